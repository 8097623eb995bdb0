"""An app answering a check with JSON nested deeper than Python's parser recurses (200 KB of `[`) raised
RecursionError, not ValueError: the handler failed into its retries and the release ended "analysis gave up",
where the README says a body that cannot be read is inconclusive."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from services.analysis.http_probe import HttpProbe
from services.analysis.probes import Target
from services.analysis.verdicts import Verdict
from services.shared.analysis_spec import Check
from tests.harness import serving


async def nested(request: web.Request) -> web.Response:
    return web.Response(body=b"[" * 200_000, content_type="application/json")


async def test_a_body_nested_past_the_parser_is_inconclusive() -> None:
    app = web.Application()
    app.router.add_get("/check", nested)
    check = Check.model_validate({"name": "errors", "failure": "> 0.05", "http": {
        "path": "/check", "jsonpath": "$.error_rate", "timeout": 10}})
    async with serving(app, port=0) as url, aiohttp.ClientSession() as session:
        async with asyncio.timeout(20):
            measurement = await HttpProbe(session).measure(check, Target(url + "/", "demo", "green", "r1"))
    assert measurement.verdict is Verdict.INCONCLUSIVE, measurement
    assert measurement.why == "body is not JSON"
