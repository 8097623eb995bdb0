"""An engine error while the local platform pulls an image names what went wrong, never the registry credentials the
pull sent (`X-Registry-Auth`, base64 JSON). An aiohttp response error (here an engine that redirects the pull in a
loop: TooManyRedirects) has the request's headers in its repr, which went into the deploy's PlatformUnavailable: a
log line and, past the retries, the failed release's reason."""

from __future__ import annotations

import aiodocker

from services.shared.local.containers import EngineContainers
from services.shared.platform import PlatformUnavailable
from tests.harness import serving
from tests.redirecting_engine import redirecting_engine

PASSWORD = "s3cret-pull-pass"


async def test_an_engine_error_in_a_pull_does_not_show_its_credentials() -> None:
    async with serving(redirecting_engine(not_found="/{version}/images/{name:.*}/json"), port=0) as url:
        docker = aiodocker.Docker(url=url.replace("http://", "tcp://"))
        try:
            containers = EngineContainers(docker, pull_auth={"username": "ann", "password": PASSWORD},
                                          podman_cgroups="enabled", pull_timeout=10)
            try:
                await containers.ensure_image("127.0.0.1:5000/app:t")
            except PlatformUnavailable as exc:
                said = str(exc)
            else:
                raise AssertionError("a pull redirected for ever succeeded")
        finally:
            await docker.close()
    assert "container engine unreachable" in said and "TooManyRedirects" in said, said
    assert PASSWORD not in said and "X-Registry-Auth" not in said and "eyJ1c2VybmFtZSI6" not in said, said
