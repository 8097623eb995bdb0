"""A registry's or its token service's Retry-After on a 429 or 503 is read into the transient error, as seconds.

Docker Hub and GHCR say when their rate limit lets a client back in; the retry went at the backoff's next tier all
the same (1 s, 2 s…), met the limit again and spent the retry budget on refusals. The error now carries the wait,
and the retry is parked for at least that long (tests/shared/test_a_dependencys_retry_after_is_waited.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from aiohttp import web

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import TransientRegistryError
from tests.harness import serving
from tests.pusher.token_registry import token_auth_registry

IN_A_MINUTE = "in a minute"  # the date is written when the answer is sent: collection may be seconds earlier
ANSWERS = {  # status, Retry-After, the wait read (None: none)
    "seconds on a 429": (429, "17", 17.0),
    "a date on a 503": (503, IN_A_MINUTE, 60.0),
    "none on a 429": (429, None, None),
    "seconds on a 502, which is not for it": (502, "17", None),
    "words": (429, "soon", None),
}


async def manifest_wait(base: str) -> float | None:
    async with httpx.AsyncClient(timeout=10) as client:
        with pytest.raises(TransientRegistryError) as raised:
            await HttpRegistryApi(client).manifest_digest(Login(registry=base), "app", "tag")
    return raised.value.not_before


@pytest.mark.parametrize("case", list(ANSWERS))
async def test_the_registrys_own_answer(case: str) -> None:
    status, header, wait = ANSWERS[case]

    async def manifest(request: web.Request) -> web.Response:
        if header == IN_A_MINUTE:
            return web.Response(status=status, headers={
                "Retry-After": format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)})
        return web.Response(status=status, headers={"Retry-After": header} if header else {})

    app = web.Application()
    app.router.add_route("*", "/v2/{name}/manifests/{ref}", manifest)
    async with serving(app, 0) as url:
        asked = await manifest_wait(url.removeprefix("http://"))
    if wait is None:
        assert asked is None
    else:
        assert asked == pytest.approx(wait, abs=2)


@pytest.fixture
async def rate_limited_token_service(unused_tcp_port: int) -> AsyncIterator[str]:
    async def token(request: web.Request) -> web.Response:
        return web.json_response({"errors": [{"code": "TOOMANYREQUESTS"}]}, status=429, headers={"Retry-After": "9"})

    async with token_auth_registry(unused_tcp_port, token) as registry:
        yield registry


async def test_the_token_services_answer(rate_limited_token_service: str) -> None:
    assert await manifest_wait(rate_limited_token_service) == 9.0
