"""What an http check's `jsonpath` matches is the app's (hostile) body: `$..a` on 200 KB of `{"a": {"a": ... [1, 1,
...]}}` matches every level, each holding all below it. The measurement's reason was `f"value {value!r} ..."`, and
the event's value `str(value)` cut to 200 characters only once made: each wrote the whole nesting out again per
level, a string of tens of megabytes (hundreds past a body of 1 MiB), seconds of CPU on the event loop that measures
every app (their requests' timeouts running meanwhile) and as much memory, then thrown away. Both are now made short
while they are made."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from services.analysis.http_probe import HttpProbe
from services.analysis.probes import Target
from services.analysis.verdicts import Verdict
from services.shared.analysis_spec import Check
from tests.harness import serving

DEPTH, WIDTH = 300, 100_000
BODY = '{"a":' * DEPTH + "[" + ",".join(["1"] * WIDTH) + "]" + "}" * DEPTH


def comb() -> web.Application:
    async def check(_: web.Request) -> web.Response:
        return web.Response(text=BODY, content_type="application/json")

    app = web.Application()
    app.router.add_get("/check", check)
    return app


async def test_a_value_matching_every_level_is_shown_short() -> None:
    check = Check.model_validate({"name": "errors", "failure": "> 0.05", "http": {
        "path": "/check", "jsonpath": "$..a", "timeout": 5}})
    async with serving(comb(), port=0) as url, aiohttp.ClientSession() as session:
        measurement = await HttpProbe(session).measure(check, Target(url + "/", "demo", "green", "r1"))
    assert measurement.verdict is Verdict.INCONCLUSIVE  # a list: no `<op> <number>` judges it
    assert len(measurement.why) < 1000, f"a reason of {len(measurement.why)} characters"
    assert measurement.why.startswith("value [{'a': {'a': ")
    shown = measurement.detail()["value"]
    assert isinstance(shown, str) and len(shown) <= 201 and shown.startswith("[{'a': {'a': ")
