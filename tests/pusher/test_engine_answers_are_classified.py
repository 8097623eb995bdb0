"""The engine's own error answers (not a registry's words relayed in a push stream), from the real engine: a
permanent one fails the release at once with the engine's reason, an unreachable engine is retried later.

Unclassified, an aiodocker.DockerError went to the consumer as a plain exception: redelivered at once, with no
backoff, up to the delivery limit, then the release failed as "pusher gave up: DockerError(...)" and the message
was dead-lettered. A permanent answer was tried five times; a passing one (the engine restarting) spent the five
deliveries in a second and failed the release it should have waited for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.pusher.engine import DockerPushEngine, LocalImage
from services.pusher.errors import EngineUnavailable, RegistryRefused
from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap, docker_client, remove_images
from tests.pusher.conftest import BUILDER_REGISTRY, BuiltImage, CountingEngine, ScriptedPush, built_event

NO_AUTH = {"username": "", "password": ""}


@pytest.fixture
async def real(engine_url: str) -> AsyncIterator[DockerPushEngine]:
    async with docker_client(engine_url) as docker:
        yield DockerPushEngine(docker, timeout=30, call_timeout=30)


async def test_source_gone_before_tagging_fails_at_once(pusher, pusher_settings: PusherSettings, tap: EventTap,
                                                        engine: CountingEngine, built_image: BuiltImage,
                                                        engine_url: str) -> None:
    class PrunedAfterInspect(ScriptedPush):
        """The image is removed (a prune, another host's cleanup) between the inspect and the tag."""

        async def local_image(self, ref: str) -> LocalImage | None:
            local = await self.engine.local_image(ref)
            await remove_images(engine_url, [ref])
            return local

        async def push(self, *args: object, **kwargs: object) -> str | None:
            raise AssertionError("nothing to push")

    settings = pusher_settings.model_copy(update={"registry": f"{BUILDER_REGISTRY}/team"})  # so it is tagged
    async with pusher(settings, engine=PrunedAfterInspect(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.release.error is not None and failed.release.error.step == "push"
    assert failed.release.error.reason.startswith(f"image {built_image.ref} is not on the engine: ")
    assert len(engine.tags) == 1  # a refusal: not redelivered


async def test_tag_to_a_malformed_name_is_refused(real: DockerPushEngine, built_image: BuiltImage) -> None:
    # podman answers 500 for it, as for its passing faults; retrying cannot mend a name.
    with pytest.raises(RegistryRefused, match="must be lowercase"):
        await real.tag(built_image.ref, f"{BUILDER_REGISTRY}/Team/{built_image.app}", "t")


async def test_inspect_of_a_malformed_name_is_refused(real: DockerPushEngine) -> None:
    with pytest.raises(RegistryRefused, match="invalid reference format"):
        await real.local_image(f"{BUILDER_REGISTRY}/app:bad:tag")


async def test_push_of_a_tag_the_engine_lacks_is_refused(real: DockerPushEngine, app_name: str) -> None:
    with pytest.raises(RegistryRefused, match=f"^image {BUILDER_REGISTRY}/{app_name}:t is not on the engine: "):
        await real.push(f"{BUILDER_REGISTRY}/{app_name}", "t", NO_AUTH)


async def test_unreachable_engine_is_unavailable(tmp_path: Path, app_name: str) -> None:
    # aiodocker reports a connection the engine did not take as DockerError(900, ...), not as an aiohttp error.
    async with docker_client(f"unix://{tmp_path}/gone.sock") as docker:
        gone = DockerPushEngine(docker, timeout=5, call_timeout=5)
        target = f"{BUILDER_REGISTRY}/{app_name}"
        with pytest.raises(EngineUnavailable, match="engine unreachable"):
            await gone.local_image(f"{target}:t")
        with pytest.raises(EngineUnavailable, match="engine unreachable"):
            await gone.tag(f"{target}:t", target, "u")
        with pytest.raises(EngineUnavailable, match="engine unreachable"):
            await gone.push(target, "u", NO_AUTH)

