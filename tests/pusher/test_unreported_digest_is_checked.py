"""An engine that reports no digest for its push: what the tag holds afterwards is published only if it is this
image (RepoDigests, or its config digest is the local image id). Before, whatever the tag held then (another
pusher's image of the same tag, overwritten in a MUTABLE repository) was published as this release's image."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from services.pusher.engine import PushOutput
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import PINNED_BASE_IMAGE, EventTap
from tests.pusher.conftest import (
    BUILDER_REGISTRY,
    BuiltImage,
    CountingEngine,
    ScriptedPush,
    built_event,
    registry_digest,
)


class SilentPush(ScriptedPush):
    """The real push happens; the engine just does not say which digest it pushed (its stream cut short, an
    engine that prints none)."""

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        await self.engine.push(repository, tag, auth, output)
        return None


class OvertakenPush(ScriptedPush):
    """As `SilentPush`, but another image lands on the same tag right after this push: a racing pusher."""

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        await self.engine.push(repository, tag, auth, output)
        await self.engine.tag(PINNED_BASE_IMAGE, repository, tag)
        await self.engine.push(repository, tag, auth)
        return None


async def test_unreported_digest_of_this_image_is_published(pusher, tap: EventTap, engine: CountingEngine,
                                                            built_image: BuiltImage,
                                                            http: httpx.AsyncClient) -> None:
    async with pusher(engine=SilentPush(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert pushed.state == S.PUSHED, pushed.release.error
    held = await registry_digest(http, BUILDER_REGISTRY, built_image.app, built_image.commit)
    assert pushed.release.digest == held


async def test_unreported_digest_of_another_image_is_refused(pusher, tap: EventTap, engine: CountingEngine,
                                                             built_image: BuiltImage,
                                                             http: httpx.AsyncClient) -> None:
    async with pusher(engine=OvertakenPush(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    assert failed.state == S.FAILED, failed.release.digest
    held = await registry_digest(http, BUILDER_REGISTRY, built_image.app, built_image.commit)
    assert failed.release.error is not None and failed.release.error.reason == (
        f"digest mismatch: the engine reported no digest and the registry holds {held}, which is not image "
        f"{built_image.id}")
    assert tap.of("r1", S.PUSHED) == []
