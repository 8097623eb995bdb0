"""The two measurement providers behind one small interface: an HTTP request (http_probe.py), and a Prometheus
query.

A provider measures one check once and judges the value against the check's conditions (Argo Rollouts'
semantics: success, failure, or neither = inconclusive). What the release's own app does wrong (a wrong status,
a slow or refused answer) fails a measurement; a measuring tool that cannot answer (Prometheus down, a query
with no result, or with several series where a condition judges one value) is inconclusive, since it says nothing
about the release.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from services.analysis.verdicts import Measurement, Verdict, shown
from services.shared.analysis_conditions import comparable, meets
from services.shared.analysis_spec import Check
from services.shared.release import utcnow


@dataclass(frozen=True)
class Target:
    url: str  # the preview before the switch, the live Service after
    app: str
    colour: str
    release: str


class Probe(Protocol):
    async def measure(self, check: Check, target: Target) -> Measurement: ...


def judge(check: Check, value: Any) -> tuple[Verdict, str]:
    if isinstance(value, float) and math.isnan(value):
        # 0/0 (a ratio with no traffic): no `<op> <literal>` holds for NaN, so judging it would pass a
        # failure-only check and fail a success-only one; it says nothing about the release, as no sample.
        return Verdict.INCONCLUSIVE, "value NaN: nothing to divide (no traffic?)"
    if check.failure is not None and meets(check.failure, value):
        return Verdict.FAILED, f"value {shown(value)} meets the failure condition {check.failure}"
    # A value of another type (a list where a jsonpath matched several, a number sent as text, null) meets no
    # `<op> <number>`: judged, a failure-only check passed it and a success-only one failed it. Argo counts a
    # condition it cannot evaluate an error; here it says nothing the condition weighs.
    for which, condition in (("failure", check.failure), ("success", check.success)):
        if condition is not None and not comparable(condition, value):
            return Verdict.INCONCLUSIVE, f"value {shown(value)} cannot be judged by {which}: {condition}"
    if check.success is not None:
        if meets(check.success, value):
            return Verdict.SUCCESSFUL, f"value {shown(value)} meets {check.success}"
        if check.failure is None:  # only a success condition: missing it is a failure (as in Argo)
            return Verdict.FAILED, f"value {shown(value)} does not meet {check.success}"
        return Verdict.INCONCLUSIVE, f"value {shown(value)} meets neither {check.success} nor {check.failure}"
    return Verdict.SUCCESSFUL, f"value {shown(value)} does not meet the failure condition {check.failure}"


MAX_ANSWER = 1024 * 1024  # one series' sample is a few hundred bytes; an app's health document is kilobytes


async def capped(response: aiohttp.ClientResponse) -> bytes | None:
    """The body, or None once it is past MAX_ANSWER (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


PLACEHOLDER = re.compile(r"\{\{\s*(app|colour|release)\s*\}\}")


class PrometheusProbe:
    def __init__(self, session: aiohttp.ClientSession, url: str, timeout: float) -> None:
        self.session = session
        self.url = url.rstrip("/") + "/api/v1/query"
        self.timeout = timeout

    async def measure(self, check: Check, target: Target) -> Measurement:
        assert check.prometheus is not None
        fill = {"app": target.app, "colour": target.colour, "release": target.release}
        query = PLACEHOLDER.sub(lambda m: fill[m.group(1)], check.prometheus.query)
        status = 0
        try:
            async with asyncio.timeout(self.timeout):
                async with self.session.get(self.url, params={"query": query}) as response:
                    status = response.status
                    body = await capped(response)
            # The query is the repository's: a subquery (`vector(1)[1y:1s]`) is hundreds of MB of samples, which
            # were read and parsed whole before they turned out to be no single value.
            if body is None:
                return measured(check, None, Verdict.INCONCLUSIVE, f"prometheus answer larger than {MAX_ANSWER} "
                                                                   f"bytes; not read: a check judges one value")
            answer = json.loads(body) if body.strip() else None
        except (TimeoutError, aiohttp.ClientError) as exc:
            return measured(check, None, Verdict.INCONCLUSIVE, f"prometheus did not answer: {type(exc).__name__}")
        except ValueError:  # an error page of a proxy in the way, a cut body
            return measured(check, None, Verdict.INCONCLUSIVE, f"prometheus did not answer: HTTP {status}, not JSON")
        # A gateway's JSON in the way is no Prometheus answer, not a crash.
        error = answer.get("error", "error") if isinstance(answer, dict) else f"HTTP {status}, not a Prometheus answer"
        if not isinstance(answer, dict) or answer.get("status") != "success":
            return measured(check, None, Verdict.INCONCLUSIVE, f"prometheus: {error}")
        try:
            value = _value(answer.get("data"))
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
            # A sample without a `value` (a native histogram's is `histogram`), or no `data`: the tool's answer
            # says nothing about the release. Raised, it failed the release once the retries ran out.
            return measured(check, None, Verdict.INCONCLUSIVE,
                             f"prometheus answered no sample value: {type(exc).__name__} {exc}")
        if isinstance(value, SeveralSeries):
            return measured(check, None, Verdict.INCONCLUSIVE, f"the query returned {value.count} series; a check "
                                                               f"judges one value: aggregate the query to one series "
                                                               f"(e.g. sum(...), max(...))")
        if value is None:
            return measured(check, None, Verdict.INCONCLUSIVE, "the query returned no sample")
        return measured(check, value, *judge(check, value))


@dataclass(frozen=True)
class SeveralSeries:
    count: int


def _value(data: Any) -> float | str | SeveralSeries | None:
    """The sample's value: of a one-series vector or a scalar; a string result is judged as the string (a
    condition's literal may be one). A condition judges one value, and Prometheus lists a vector's series in no
    order that means anything: of several (one per pod, per status code) the first was an arbitrary verdict. Argo
    hands its conditions the whole list, which they address (`result[0]`, `all(result, ...)`); Flagger judges the
    last; ours cannot address several, so several are no answer."""
    result = data.get("result")
    if data.get("resultType") == "string":
        return str(result[1])
    if data.get("resultType") == "scalar":
        return float(result[1])
    if data.get("resultType") == "vector" and result:
        return SeveralSeries(len(result)) if len(result) > 1 else float(result[0]["value"][1])
    return None


def measured(check: Check, value: Any, verdict: Verdict, why: str) -> Measurement:
    return Measurement(check.name, check.provider, value, verdict, why, utcnow())
