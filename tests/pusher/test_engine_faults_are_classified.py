"""Engine answers the real engine cannot be made to give on demand (tests/pusher/fake_engine.py): a 5xx is the
engine unavailable (podman answers 500 while another client holds its storage lock), retried after a backoff; a
4xx is a refusal in the engine's words; a push stream that breaks off or carries a line that is not JSON is the
engine unavailable. Unclassified, each reached the consumer as a plain exception (see
test_engine_answers_are_classified.py) or, for a push, was taken for the registry's refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from services.pusher.engine import DockerPushEngine
from services.pusher.errors import EngineUnavailable, RegistryRefused
from services.pusher.settings import PusherSettings
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.infra import docker_client
from tests.progress_tap import ProgressTap
from tests.pusher.conftest import BUILDER_REGISTRY, SHA, BuiltImage, built_event
from tests.pusher.fake_engine import IMAGE_ID, FakeEngine, fake_engine

LOCKED = (500, "database is locked")
TARGET = f"{BUILDER_REGISTRY}/app"
Call = Callable[[DockerPushEngine], Awaitable[object]]
CALLS: dict[str, Call] = {
    "inspect": lambda engine: engine.local_image(f"{TARGET}:t"),
    "tag": lambda engine: engine.tag(f"{TARGET}:t", TARGET, "u"),
    "push": lambda engine: engine.push(TARGET, "u", {"username": "", "password": ""}),
}


@pytest.fixture
async def fake(unused_tcp_port: int) -> AsyncIterator[FakeEngine]:
    async with fake_engine(unused_tcp_port, FakeEngine()) as engine:
        yield engine


async def answer(fake: FakeEngine, call: str) -> object:
    async with docker_client(fake.url) as docker:
        return await CALLS[call](DockerPushEngine(docker, timeout=10, call_timeout=10))


@pytest.mark.parametrize("call", CALLS)
async def test_engine_5xx_is_unavailable(fake: FakeEngine, call: str) -> None:
    fake.inspect_error = fake.tag_error = fake.push_error = LOCKED
    with pytest.raises(EngineUnavailable, match="database is locked"):
        await answer(fake, call)


@pytest.mark.parametrize(("call", "status"), [("inspect", 400), ("tag", 409), ("push", 400)])
async def test_engine_4xx_is_refused(fake: FakeEngine, call: str, status: int) -> None:
    fake.inspect_error = fake.tag_error = fake.push_error = (status, "conflict: the engine says no")
    with pytest.raises(RegistryRefused, match=f"^engine refused .*\\({status}\\): conflict: the engine says no$"):
        await answer(fake, call)


@pytest.mark.parametrize(("stream", "cut"), [
    (b'{"status":"Pushing"}\n{"stat', True),  # the engine died mid-push: the chunked body ends unfinished
    (b'{"status":"Pushing"}\n<html>502 Bad Gateway</html>\n', False),  # a proxy in front of the engine
])
async def test_broken_push_stream_is_unavailable(fake: FakeEngine, stream: bytes, cut: bool) -> None:
    fake.push_stream, fake.cut = stream, cut
    with pytest.raises(EngineUnavailable, match="push"):
        await answer(fake, "push")


async def test_engine_5xx_at_tag_is_retried_later(pusher, pusher_settings: PusherSettings, fake: FakeEngine,
                                                  bus_settings: BusSettings, app_name: str) -> None:
    fake.tag_error = LOCKED
    settings = pusher_settings.model_copy(update={"docker_host": fake.url, "registry": f"{BUILDER_REGISTRY}/team"})
    image = BuiltImage(ref=f"{BUILDER_REGISTRY}/{app_name}:{SHA}", id=IMAGE_ID, app=app_name, commit=SHA)
    async with ProgressTap(bus_settings) as progress, pusher(settings, engine=None) as app:
        await app[BUS].publish(built_event(image))
        retry = await progress.wait("r1", "push", lambda p: p.message.startswith("engine unavailable"),
                                    timeout=20)

    assert retry.message.startswith("engine unavailable, retry 1 in ")
    assert fake.calls.count("tag") == 1  # parked on the broker for a backoff, not redelivered at once
