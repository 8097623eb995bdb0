"""The pusher reports push progress, throttled, with no credential in it, and not as release state."""

from __future__ import annotations

from pydantic import SecretStr

from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap, Registries
from tests.progress_tap import ProgressTap
from tests.pusher.conftest import BuiltImage, built_event


async def test_push_progress(pusher, pusher_settings: PusherSettings, registries: Registries, tap: EventTap,
                             progress: ProgressTap, built_image: BuiltImage) -> None:
    settings = pusher_settings.model_copy(update={
        "registry": registries.authenticated, "registry_username": registries.username,
        "registry_password": SecretStr(registries.password), "progress_interval": 0.05})
    async with pusher(settings) as app:
        await app[BUS].publish(built_event(built_image))
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED)
    assert pushed.state == S.PUSHED, pushed.release.error
    await progress.wait("r1", "push", lambda p: "digest: sha256:" in p.message)
    seen = progress.of("r1", "push")
    assert all(p.at <= pushed.occurred_at for p in seen)
    assert all(registries.password not in p.model_dump_json() for p in progress.items)
    assert [e.state for e in tap.of("r1")] == [S.BUILT, S.PUSHING, S.PUSHED]
