"""greenlight.yaml's `image:` is the repository's to write, and named any repository of the registry: app A with
`image: b` had its builds pushed into app B's repository (with IMMUTABLE tags, taking the tags B's releases of a
shared commit need), and a release of A naming B's image by digest passed the pusher's "this app's repository"
check, so B's image ran as A. Now an image is the app's own only: its last path component is the app's name
(`<app>`, or `<namespace>/<app>`); any other is refused before anything is pushed."""

from __future__ import annotations

import httpx

from services.shared.appspec import AppSpec
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap
from tests.pusher.conftest import BUILDER_REGISTRY, BuiltImage, CountingEngine, built_event
from tests.pusher.test_prebuilt_image import prebuilt_event


def test_only_an_image_named_for_the_app_is_its_own() -> None:
    assert AppSpec().foreign_image("shop") is None
    assert AppSpec(image="shop").foreign_image("shop") is None
    assert AppSpec(image="team/shop").foreign_image("shop") is None
    for other in ("blog", "shop/blog", "shop-admin", "team/shop-admin", "shopx"):
        assert AppSpec(image=other).foreign_image("shop") is not None, other


async def test_a_build_or_an_image_in_another_apps_repository_is_not_pushed(
        pusher, tap: EventTap, engine: CountingEngine, built_image: BuiltImage, http: httpx.AsyncClient) -> None:
    other = f"{built_image.app}-other"
    async with pusher() as app:
        await app[BUS].publish(built_event(built_image, spec=AppSpec(image=other)))
        pushed_into = await tap.wait("r1", S.PUSHED, S.FAILED)
        await app[BUS].publish(built_event(built_image, rid="r2"))  # its own repository: pushed
        own = await tap.wait("r2", S.PUSHED, S.FAILED)
        assert own.state is S.PUSHED and own.release.digest is not None, own.release.error
        # B's image (here: an image the registry holds) released as A, its spec naming B's repository.
        event = prebuilt_event(built_image, f"{BUILDER_REGISTRY}/{other}@{own.release.digest}",
                               own.release.digest, "r3")
        release = event.release.model_copy(update={"spec": AppSpec(image=other)})
        await app[BUS].publish(event.model_copy(update={"release": release}))
        reused = await tap.wait("r3", S.PUSHED, S.FAILED)
    for refused in (pushed_into, reused):
        assert refused.state is S.FAILED and refused.release.error is not None, refused.release
        assert f"image {other!r} is not app {built_image.app}'s" in refused.release.error.reason
    assert engine.pushes == [f"{BUILDER_REGISTRY}/{built_image.app}:{built_image.commit}"]
