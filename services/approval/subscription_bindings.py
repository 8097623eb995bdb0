"""The subscriptions API's broker calls (a new subscription's bindings, a removed one's unbinding), each waited for
GREENLIGHT_API_SUBSCRIPTION_BIND_TIMEOUT at most.

A broker connection that stopped answering without closing (a network dropping every packet: found stuck only after
three heartbeats, 3 min at RabbitMQ's default) held `POST` and `DELETE /subscriptions` until the client gave up.
Past the bound the call is not cut off (an AMQP call cancelled half-way can make the broker close the whole
connection: services/notifier/rebinding.py); the request answers without it (subscription_views.py), and once the
call ends the bindings of that id are made to match the database: the keys its row wants bound, every other key the
late call touched unbound; read again until two reads agree (a POST or DELETE of the id meanwhile). The notifier's
rounds only add (rebinding.py): a late binding of a gone subscription would copy its events for good. An unbinding in
time reads the row too (`unbind`). An id the notifier's environment holds keeps the keys its subscription there wants
(bound under the same id): the removal of an API row it shadowed unbinds the others alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval.sql import SQL
from services.shared.bus import Bus
from services.shared.notified import bind_subscriptions, unbind_keys, unbind_subscription
from services.shared.runtime import BUS
from services.shared.stuck import on_the_broker
from services.shared.subscription_rows import environment_keys
from services.shared.subscriptions import SubscriptionSpec, SubscriptionTable, held_by_environment

log = structlog.get_logger(__name__)
Late = asyncio.Task[Any]  # a broker call still under way past the bound
_READS = 5  # reads of the database that may disagree in a row (each a POST or DELETE of the id) before giving up


class SubscriptionBindings:
    def __init__(self, bus: Bus, engine: AsyncEngine, bound: float) -> None:
        self.bus = bus
        self.engine = engine
        self.bound = bound
        self._settling: set[asyncio.Task[None]] = set()

    async def bind(self, spec: SubscriptionSpec) -> Late | None:
        """None once bound (its error raised); else the call still under way, for `settle` once its row is right."""
        return await self._within(spec, lambda: bind_subscriptions(self.bus.connection, self.bus.settings, [spec]))

    async def unbind(self, spec: SubscriptionSpec) -> Late | None:
        """As `bind`; a row of the id added while the call ran (another replica, say) lost keys to it: bound again."""
        async with self.engine.connect() as connection:
            kept = await environment_keys(connection, spec.id)
        if kept is not None:  # a row the environment's subscription shadowed: that one's keys stay
            stray = frozenset(spec.routing_keys()) - kept
            return await self._within(spec, lambda: unbind_keys(self.bus.connection, self.bus.settings, spec.id, stray))
        late = await self._within(spec, lambda: unbind_subscription(self.bus.connection, self.bus.settings, spec))
        if late is None and (row := await self._wanted(spec.id)) is not None and row.spec is not None:
            late = await self.bind(row.spec)
        return late

    def settle(self, late: Late, spec: SubscriptionSpec) -> None:
        """Once `late` ends, the bindings of `spec.id` made to match the database (which the caller has written)."""
        task = asyncio.create_task(self._settled(late, spec))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def idle(self) -> None:
        """Every late call ended and settled."""
        while self._settling:
            await asyncio.wait(set(self._settling))

    async def close(self, grace: float) -> None:
        # What is under way ends within the grace period; then it is cut off (the connection closes with the process).
        if self._settling and (late := (await asyncio.wait(set(self._settling), timeout=grace))[1]):
            log.warning("a late subscription binding did not end within the grace period; left", grace=grace)
            for task in late:
                task.cancel()
            await asyncio.wait(late)

    async def _within(self, spec: SubscriptionSpec, call: Callable[[], Awaitable[None]]) -> Late | None:
        task = asyncio.create_task(on_the_broker(call()))
        try:
            await asyncio.wait({task}, timeout=self.bound)
        except asyncio.CancelledError:  # the request given up: the call goes on, then what the database says holds
            self.settle(task, spec)
            raise
        if not task.done():
            return task
        task.result()
        return None

    async def _settled(self, late: Late, spec: SubscriptionSpec) -> None:
        try:
            await asyncio.wait({late})
        except asyncio.CancelledError:  # a stop past its grace period (`close`): the call goes with it
            late.cancel()
            raise
        error = None if late.cancelled() else late.exception()
        log.info("a subscription's late broker call ended; making its bindings match the database",
                 subscription=spec.id, error=repr(error)[:200] if error else None)
        touched = frozenset(spec.routing_keys())
        try:
            wanted = await self._wanted(spec.id)
            for _ in range(_READS):
                if wanted is None:
                    return
                await on_the_broker(self._match(spec.id, wanted, touched))
                if (again := await self._wanted(spec.id)) == wanted:
                    return
                touched, wanted = touched | wanted.routing_keys(), again
            log.warning("a subscription changed over and over while its bindings were set; the notifier's next "
                        "round binds what the database holds", subscription=spec.id)
        except Exception as exc:
            log.warning("could not make a subscription's bindings match the database; the notifier's next round "
                        "binds what it holds", subscription=spec.id, error=repr(exc)[:200])

    async def _wanted(self, sid: str) -> _Row | None:
        """What the database holds for `sid`: its row (an empty one: none); None for one the environment holds."""
        async with self.engine.connect() as connection:
            if await held_by_environment(connection, sid):
                return None
        found = next((s for s in await SubscriptionTable(self.engine).all() if s.id == sid), None)
        return _Row(found)

    async def _match(self, sid: str, row: _Row, touched: frozenset[str]) -> None:
        if stray := touched - row.routing_keys():
            await unbind_keys(self.bus.connection, self.bus.settings, sid, stray)
        if row.spec is not None:
            await bind_subscriptions(self.bus.connection, self.bus.settings, [row.spec])


class _Row:
    """A subscription's row as read, compared by the bindings it wants (None: no row)."""

    def __init__(self, spec: SubscriptionSpec | None) -> None:
        self.spec = spec

    def routing_keys(self) -> frozenset[str]:
        return frozenset(self.spec.routing_keys()) if self.spec is not None else frozenset()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Row) and (self.spec is None, self.routing_keys()) == (
            other.spec is None, other.routing_keys())

    __hash__ = None  # type: ignore[assignment]


BINDINGS = web.AppKey("subscription_bindings", SubscriptionBindings)


def subscription_bindings_ctx(bound: float) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[BINDINGS] = bindings = SubscriptionBindings(app[BUS], await app[SQL].get(), bound)
        yield
        await bindings.close(app[BUS].settings.grace_period)

    return ctx
