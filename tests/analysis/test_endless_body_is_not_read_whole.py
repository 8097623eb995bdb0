"""An http check reads at most MAX_BODY bytes of the app's answer: the app is the release's own code, and an
answer that never ends (or is gigabytes long) was read whole into the analysis service, which measures every
app's releases, until the check's timeout, and then failed the measurement as if the app had not answered. Now
what is past the bound is never read and the measurement is inconclusive, saying why, well within the timeout."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from services.analysis.http_probe import MAX_BODY, HttpProbe
from services.analysis.probes import Target
from services.analysis.verdicts import Verdict
from services.shared.analysis_spec import Check
from tests.harness import serving

CHUNK = b" " * 65536  # JSON whitespace: a body that could still be JSON, were it ever to end


class Endless:
    """GET /check answers 200 with a JSON body that never ends; counts what it managed to send."""

    def __init__(self) -> None:
        self.sent = 0
        self.app = web.Application()
        self.app.router.add_get("/check", self._check)

    async def _check(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b'{"error_rate": 0.01')
        while True:  # until the client goes away: its write then raises
            await response.write(CHUNK)
            self.sent += len(CHUNK)


async def test_an_endless_body_is_inconclusive_and_not_read_whole() -> None:
    target = Endless()
    check = Check.model_validate({"name": "errors", "failure": "> 0.05", "http": {
        "path": "/check", "jsonpath": "$.error_rate", "timeout": 30}})
    async with serving(target.app, port=0) as url, aiohttp.ClientSession() as session:
        async with asyncio.timeout(20):  # the check's own timeout is 30 s: the bound must end it well before
            measurement = await HttpProbe(session).measure(check, Target(url + "/", "demo", "green", "r1"))
    assert measurement.verdict is Verdict.INCONCLUSIVE, measurement
    assert f"larger than {MAX_BODY} bytes" in measurement.why
    assert target.sent < 64 * MAX_BODY  # the sender stopped: what socket buffers held, not an unbounded read
