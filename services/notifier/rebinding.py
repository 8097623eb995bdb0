"""The notifier's re-binding rounds, each waited for GREENLIGHT_NOTIFIER_REBIND_TIMEOUT at most.

Every GREENLIGHT_NOTIFIER_REBIND_INTERVAL a round sees this replica's configuration and writes the environment's
subscriptions if it is the newest (`hold`, configurations.py), then binds the queue per subscription (`bind`,
notified.py). Its awaits had no bound of their own: a bind, a declare, a channel's open or close on a broker connection
that stopped answering without closing (a network dropping every packet: found stuck after three heartbeats, 3 min at
RabbitMQ's default, never without heartbeats), a robust channel waiting for its connection to come back, a database
statement waiting on a lock (up to its statement timeout, each). The loop waited with the round: no re-binding
meanwhile, and the other replicas, not seeing this one, took it for gone.

So the loop waits for a round until its bound, with one warning line past it, and the next interval runs the next.
The database part past the bound is cancelled: its transaction is rolled back, nothing half written. The broker part
is not: an AMQP call cut off half-way can make the broker close the whole connection (504 "expected 'channel.open'",
seen here with rounds abandoned every 0.1 s), the consumer's with it. It is left to end on its own (answered, or the
connection found stuck), and no other binding starts before it has; the rounds meanwhile still see the configuration.
Nothing is lost meanwhile: a round only adds bindings (binding again what is bound changes nothing); the one unbinding,
an older Greenlight's bindings, is at start and after the bindings that replace them (app.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import structlog

from services.shared.stop_deadline import within_stop
from services.shared.subscriptions import SubscriptionSpec

log = structlog.get_logger(__name__)
T = TypeVar("T")
Hold = Callable[[], Awaitable[Sequence[SubscriptionSpec]]]  # sees, writes if newest: the subscriptions to bind
Bind = Callable[[Sequence[SubscriptionSpec]], Awaitable[None]]


class Rebinding:
    def __init__(self, hold: Hold, bind: Bind, interval: float, bound: float) -> None:
        self.hold = hold
        self.bind = bind
        self.interval = interval
        self.bound = bound
        self._loop: asyncio.Task[None] | None = None
        self._holding: set[asyncio.Task[Sequence[SubscriptionSpec] | None]] = set()  # under way, or cancelled
        self._binding: asyncio.Task[bool | None] | None = None  # the broker part under way, never cut off

    def start(self) -> None:
        self._loop = asyncio.create_task(self._forever())

    async def stop(self, grace: float) -> None:
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
        # What is under way ends within its bound; then it is cut off (the connection closes with the process).
        tasks: set[asyncio.Task[object]] = {*self._holding, *([self._binding] if self._binding else [])}
        if tasks and (late := (await asyncio.wait(tasks, timeout=within_stop(min(self.bound, grace))))[1]):
            for task in late:
                task.cancel()
            if (await asyncio.wait(late, timeout=within_stop(grace)))[1]:
                log.warning("a re-binding round did not wind down within the grace period; left", grace=grace)

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.once()

    async def once(self) -> None:
        """One round, waited for `bound` at most."""
        deadline = asyncio.get_running_loop().time() + self.bound
        holding = asyncio.create_task(_said(self.hold()))
        self._holding.add(holding)
        holding.add_done_callback(self._holding.discard)
        await asyncio.wait({holding}, timeout=self.bound)  # a stop meanwhile lets it end (`stop`)
        if not holding.done():
            holding.cancel()
            return self._late("the database")
        if holding.cancelled() or (specs := holding.result()) is None:
            return None  # said: the next round tries again
        if self._binding is not None and not self._binding.done():
            return self._late("the broker, still, the last round's bindings")
        self._binding = asyncio.create_task(_said(self._bound(specs)))
        await asyncio.wait({self._binding}, timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
        if not self._binding.done():
            return self._late("the broker")
        return None

    async def _bound(self, specs: Sequence[SubscriptionSpec]) -> bool:
        await self.bind(specs)
        return True

    def _late(self, waiting_on: str) -> None:
        log.warning("a re-binding round took longer than GREENLIGHT_NOTIFIER_REBIND_TIMEOUT; the next interval's tries "
                    "again", waiting_on=waiting_on, timeout=self.bound)


async def _said(step: Awaitable[T]) -> T | None:
    """What `step` gives; None for an error (the broker or the database away), said in one warning line."""
    try:
        return await step
    except Exception as exc:
        log.warning("could not re-bind the subscriptions", error=repr(exc)[:200])
        return None
