"""Push progress is throttled to the first line and the last one, and a credential in it shows as `user:***`."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr

from services.pusher.engine import PushOutput
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap, Registries
from tests.progress_tap import ProgressTap
from tests.pusher.conftest import BuiltImage, CountingEngine, ScriptedPush, built_event

LINES = 20



async def test_two_messages_and_credentials_masked(pusher, pusher_settings: PusherSettings,
                                                   registries: Registries, tap: EventTap, progress: ProgressTap,
                                                   engine: CountingEngine, built_image: BuiltImage) -> None:
    user, password = registries.username, registries.password

    class ChattyEngine(ScriptedPush):
        """Scripted output lines, so the count is exact; an engine may echo the login it used."""

        async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                       output: PushOutput | None = None) -> str | None:
            assert output is not None
            for n in range(LINES):
                await output(f"line {n} as {user}:{password}", n, LINES)
            return await self.engine.push(repository, tag, auth)

    # An interval far longer than the test: everything between the first and the last line is dropped.
    settings = pusher_settings.model_copy(update={
        "registry": registries.authenticated, "registry_username": user,
        "registry_password": SecretStr(password), "progress_interval": 3600.0})
    async with pusher(settings, engine=ChattyEngine(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED)
    assert pushed.state == S.PUSHED, pushed.release.error
    # One channel, one queue: once the last line is in, every earlier message is too.
    await progress.wait("r1", "push", lambda p: p.message.startswith(f"line {LINES - 1} "), timeout=10)

    seen = progress.of("r1", "push")
    assert [(p.message, p.current, p.total) for p in seen] == [
        (f"line 0 as {user}:***", 0, LINES), (f"line {LINES - 1} as {user}:***", LINES - 1, LINES)]
    assert all(password not in p.model_dump_json() for p in progress.items)
    assert progress.keys == [f"progress.{built_image.app}.push"] * 2
