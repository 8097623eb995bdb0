"""The pusher tags the release's image `<registry>/<repository>:<commit>` on the shared engine, then pushes that
name. Another release handled meanwhile by the same engine tags the same name with its own image: two apps whose
greenlight.yaml `image:` names one repository (an app naming another's), releasing one commit (a fork shares its
commits). The push then sends the other image; the engine reports that image's digest, the registry holds it, the
two agree, and it was published as this release's `pushed` digest: the deployer would run another app's image.
A pushed digest is published only if it is this image, whatever the engine reported."""

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


class RetaggedBeforePush(ScriptedPush):
    """Another release's tag of the same name lands between this release's tag and its push."""

    async def push(self, repository: str, tag: str, auth: Mapping[str, str],
                   output: PushOutput | None = None) -> str | None:
        await self.engine.tag(PINNED_BASE_IMAGE, repository, tag)
        return await self.engine.push(repository, tag, auth, output)


async def test_a_push_of_another_image_is_not_published(pusher, tap: EventTap, engine: CountingEngine,
                                                        built_image: BuiltImage, http: httpx.AsyncClient) -> None:
    async with pusher(engine=RetaggedBeforePush(engine)) as app:
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED)

    held = await registry_digest(http, BUILDER_REGISTRY, built_image.app, built_image.commit)
    assert failed.state == S.FAILED, f"published {failed.release.digest}, the registry holds {held}"
    assert failed.release.error is not None and failed.release.error.reason == (
        f"digest mismatch: the engine pushed {held} and the registry holds {held}, which is not image "
        f"{built_image.id}")
    assert tap.of("r1", S.PUSHED) == []
