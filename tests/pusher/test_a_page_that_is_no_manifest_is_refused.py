"""A registry setting that reaches no v2 API but answers 200 all the same (an SSO proxy redirecting to its login
page, a web site's catch-all route, a proxy's JSON) was taken for a registry holding every image: the digest of the
page's bytes was "the manifest's", so a release naming an image by digest passed the pusher as held (to fail at the
deploy's pull), and a push failed with "digest mismatch", hiding the cause; a 200 whose JSON was no object raised
AttributeError (redelivered to the limit). A 200 that is no manifest is refused, saying what came back."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from services.pusher.settings import PusherSettings
from services.shared.appspec import AppSpec
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from services.shared.release import Release
from services.shared.runtime import BUS
from tests.harness import serving
from tests.infra import EventTap
from tests.pusher.conftest import SHA

DIGEST = "sha256:" + "ab" * 32
PAGES = {
    "login": ("<html><body>Sign in to continue</body></html>", "text/html"),
    "list": ("[]", "application/json"),
    "object": ('{"status": "ok"}', "application/json"),
}


@contextlib.asynccontextmanager
async def no_registry(page: str) -> AsyncIterator[str]:
    """host:port answering every manifest request with a redirect to a page (200) that is no manifest."""
    body, content_type = PAGES[page]

    async def manifest(request: web.Request) -> web.Response:
        raise web.HTTPFound("/login")

    async def login(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/v2/{name:.+}/manifests/{ref}", manifest)
    app.router.add_route("*", "/login", login)
    async with serving(app, port=0) as url:
        yield url.removeprefix("http://")


@pytest.mark.parametrize("page", list(PAGES))
async def test_every_read_refuses_a_page_that_is_no_manifest(page: str) -> None:
    async with no_registry(page) as registry, httpx.AsyncClient(timeout=10) as client:
        api = HttpRegistryApi(client)
        login = Login(registry=registry)
        for reference in ("tag", DIGEST):
            for read in (api.manifest_digest, api.config_digest, api.image_config):
                with pytest.raises(RegistryRefused, match=r"not a manifest"):
                    await read(login, "app", reference)


async def test_a_release_naming_an_image_is_not_passed_on_by_a_page(
        pusher, pusher_settings: PusherSettings, tap: EventTap, app_name: str) -> None:
    async with no_registry("login") as registry:
        image = f"{registry}/{app_name}@{DIGEST}"
        release = Release(id="r1", app=app_name, repository="https://example.org/app.git", commit=SHA,
                          requested_by="ann", image=image, digest=DIGEST, spec=AppSpec())
        built = first_event(release, actor="ann").next(S.BUILDING, actor="builder").next(S.BUILT, actor="builder")
        async with pusher(pusher_settings.model_copy(update={"registry": registry})) as app:
            await app[BUS].publish(built)
            outcome = await tap.wait("r1", S.PUSHED, S.FAILED)
    assert outcome.state == S.FAILED, outcome.details
    assert outcome.release.error is not None and "not a manifest" in outcome.release.error.reason
    assert "text/html" in outcome.release.error.reason
