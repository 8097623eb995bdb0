"""An engine error during a push names what went wrong, never the registry credentials the push sent.

The push carries them to the engine in the `X-Registry-Auth` header (base64 JSON). An aiohttp response error raised
while pushing (here an engine that redirects the push in a loop: TooManyRedirects) has that request's headers in its
repr, which the pusher put into its EngineUnavailable: the credentials ended in a log line and, past the retries, in
the failed release's reason every reader of its history sees."""

from __future__ import annotations

import base64
import json

from services.pusher.engine import DockerPushEngine
from services.pusher.errors import EngineUnavailable
from tests.harness import serving
from tests.infra import docker_client
from tests.redirecting_engine import redirecting_engine

PASSWORD = "s3cret-registry-pass"


async def test_an_engine_error_in_a_push_does_not_show_its_credentials() -> None:
    async with serving(redirecting_engine(), port=0) as url, docker_client(url.replace("http://", "tcp://")) as docker:
        pusher = DockerPushEngine(docker, timeout=10, call_timeout=10)
        try:
            await pusher.push("127.0.0.1:5000/app", "t", {"username": "ann", "password": PASSWORD})
        except EngineUnavailable as exc:
            said = str(exc)
        else:
            raise AssertionError("a push redirected for ever succeeded")
    sent = base64.urlsafe_b64encode(json.dumps({"username": "ann", "password": PASSWORD}).encode()).decode()
    assert "engine unreachable during the push" in said and "TooManyRedirects" in said, said
    assert PASSWORD not in said and sent[:20] not in said and "X-Registry-Auth" not in said, said
