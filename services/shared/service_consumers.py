"""What a service consumes: its subscriptions' workers, started last and stopped first (runtime.py's `service_app`
gives the shell they attach to), each a partition claimer or a plain consumer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web

from services.shared.bus import Bus
from services.shared.claims import PartitionClaims
from services.shared.consumer import Consumer, Subscription, Worker
from services.shared.partitions import PARTITIONED
from services.shared.service_endpoints import BUS, CONSUMERS, METRICS, READY, HandledCollector

SubscriptionsFactory = Callable[[web.Application], Sequence[Subscription]]


def add_subscriptions(app: web.Application, subscriptions: SubscriptionsFactory) -> None:
    """Consumers start last and stop first: on SIGTERM no new message is taken, in-flight ones finish."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        bus = app[BUS]
        consumers = [worker_for(bus, sub) for sub in subscriptions(app)]
        for consumer in consumers:
            await consumer.start()
        app[CONSUMERS] = consumers
        app[METRICS].register(HandledCollector(consumers))
        app[READY]["consuming"] = True
        yield
        app[READY]["consuming"] = False
        # All at once: stopped one after another, the later ones kept taking new messages while the earlier drained.
        stopped = await asyncio.gather(*(consumer.stop(bus.settings.grace_period) for consumer in consumers),
                                       return_exceptions=True)
        if failed := next((outcome for outcome in stopped if isinstance(outcome, BaseException)), None):
            raise failed

    app.cleanup_ctx.append(ctx)


def worker_for(bus: Bus, sub: Subscription) -> Worker:
    """A partitioned worker's subscription (GREENLIGHT_PARTITIONS > 0) claims partitions; the rest consume
    their one queue."""
    if bus.settings.partitions and sub.service in PARTITIONED:
        return PartitionClaims(bus, sub)
    return Consumer(bus, sub)
