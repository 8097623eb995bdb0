"""A prometheus check's query is repository content (hostile), and Prometheus answers what it is asked: a subquery
such as `vector(1)[1y:1s]` is 31 million samples, within Prometheus' default `query.max-samples` (50 million),
hundreds of megabytes of JSON that the analysis service (which measures every app's releases) read whole and
parsed into Python objects before finding it no single value. A check judges one value: the answer is read up to
the same bound as an http check's body, and past it the measurement is inconclusive, saying why."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from services.analysis.http_probe import MAX_BODY as MAX_ANSWER
from services.analysis.probes import PrometheusProbe, Target
from services.analysis.verdicts import Verdict
from services.shared.analysis_spec import Check
from tests.analysis.prometheus import prometheus_scraping


async def test_an_answer_past_the_bound_is_inconclusive_and_not_read_whole(tmp_path: Path) -> None:
    # Two days at one second: 172,801 samples, some 4 MB of JSON (a year is 600 MB: the same code path).
    check = Check.model_validate({"name": "flood", "failure": "> 0.05",
                                  "prometheus": {"query": "vector(1)[2d:1s]"}})
    read: list[int] = []

    async def counted(_: aiohttp.ClientSession, context: object, params: aiohttp.TraceResponseChunkReceivedParams
                      ) -> None:
        read.append(len(params.chunk))

    tracing = aiohttp.TraceConfig()
    tracing.on_response_chunk_received.append(counted)
    async with prometheus_scraping(tmp_path) as (url, _), aiohttp.ClientSession(trace_configs=[tracing]) as session:
        async with asyncio.timeout(20):
            measurement = await PrometheusProbe(session, url, 10.0).measure(check, Target("", "tmapp", "green", "r1"))
    assert measurement.verdict is Verdict.INCONCLUSIVE, measurement
    assert f"larger than {MAX_ANSWER} bytes" in measurement.why, measurement.why
    assert sum(read) < 2 * MAX_ANSWER, f"read {sum(read)} bytes of the answer"
