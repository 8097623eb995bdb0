"""A release asked for with an image pushes nothing: it is passed on if the registry holds it, else failed."""

from __future__ import annotations

import httpx

from services.pusher.settings import PusherSettings
from services.shared.appspec import AppSpec
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.runtime import BUS
from tests.infra import EventTap
from tests.pusher.conftest import BUILDER_REGISTRY, BuiltImage, CountingEngine, built_event


def prebuilt_event(image: BuiltImage, ref: str, digest: str, rid: str) -> ReleaseEvent:
    release = Release(id=rid, app=image.app, repository="https://example.org/app.git", commit=image.commit,
                      requested_by="ann", image=ref, digest=digest, spec=AppSpec())
    building = first_event(release, actor="ann").next(S.BUILDING, actor="builder")
    return building.next(S.BUILT, actor="builder")


async def test_image_in_registry_is_reused(pusher, pusher_settings: PusherSettings, tap: EventTap,
                                           engine: CountingEngine, built_image: BuiltImage,
                                           http: httpx.AsyncClient) -> None:
    async with pusher() as app:
        await app[BUS].publish(built_event(built_image))
        first = await tap.wait("r1", S.PUSHED, S.FAILED)
        assert first.state == S.PUSHED and first.release.digest is not None, first.release.error
        digest = first.release.digest
        await app[BUS].publish(prebuilt_event(built_image, first.release.image or "", digest, "r2"))
        again = await tap.wait("r2", S.PUSHED, S.FAILED)
        # Another repository, or a digest the registry does not hold: refused, nothing pushed.
        elsewhere = f"{BUILDER_REGISTRY}/other-app@{digest}"
        await app[BUS].publish(prebuilt_event(built_image, elsewhere, digest, "r3"))
        missing = "sha256:" + "0" * 64
        await app[BUS].publish(prebuilt_event(built_image, f"{BUILDER_REGISTRY}/{built_image.app}@{missing}",
                                              missing, "r4"))
        foreign = await tap.wait("r3", S.PUSHED, S.FAILED)
        absent = await tap.wait("r4", S.PUSHED, S.FAILED)

    assert again.state == S.PUSHED, again.release.error
    assert (again.release.image, again.release.digest) == (first.release.image, digest)
    assert again.details["skipped"] is True and again.details["note"] == f"reused image {first.release.image}"
    assert len(engine.pushes) == 1
    assert foreign.state == S.FAILED and foreign.release.error is not None
    assert "not in this app's repository" in foreign.release.error.reason
    assert absent.state == S.FAILED and absent.release.error is not None
    assert "holds no" in absent.release.error.reason
