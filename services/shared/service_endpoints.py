"""What every service answers over HTTP (health, readiness, metrics) and the typed keys of its aiohttp state."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from services.shared.bus import Bus
from services.shared.store import ReleaseStore
from services.shared.work_subscription import Worker

BUS = web.AppKey("bus", Bus)
STORE = web.AppKey("store", ReleaseStore)
CONSUMERS = web.AppKey("consumers", list[Worker])
METRICS = web.AppKey("metrics", CollectorRegistry)
READY = web.AppKey("ready", dict[str, bool])


class HandledCollector(Collector):
    """`greenlight_messages_handled_total{queue}`: read from each consumer's own count at scrape time, so
    the figure is the one the consumer keeps (acked after its effect) and cannot drift from it."""

    def __init__(self, consumers: Sequence[Worker]) -> None:
        self.consumers = consumers

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("greenlight_messages_handled", "messages handled and acked",
                                     labels=["queue"])
        for consumer in self.consumers:
            family.add_metric([consumer.queue_name], consumer.handled)
        yield family


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    ready = request.app[READY]
    bus = request.app.get(BUS)
    ok = bool(ready) and all(ready.values()) and bus is not None and not bus.connection.is_closed
    # A queue being declared and consumed again (deleted under the service) takes nothing meanwhile. Partition
    # claims have no such flag: their partitions come and go by design.
    consuming = all(getattr(worker, "consuming", True) for worker in request.app.get(CONSUMERS, []))
    return web.json_response({"ready": ok and consuming, **ready, "consuming": consuming},
                             status=200 if ok and consuming else 503)


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS])
    return web.Response(body=body, content_type="text/plain", charset="utf-8")
