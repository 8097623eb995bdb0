"""The notifier's queue is bound per subscription: the broker copies into it only the events someone subscribed
to, and a release nobody is notified of costs the queue nothing.

Bound to every notified state instead, the queue took four quorum writes a release even with no subscription at
all (about 0.07 ms of the broker's CPU each: bench/queue_copy_bench.py), and a running notifier parsed each event
to drop it. Each binding carries its subscription's id as an argument, so two subscriptions wanting the same
events hold a binding each (the broker still copies an event once) and removing one leaves the other's in place.
Who binds:
- the API, a subscription it adds, before answering 201 (so it counts from the next event), and unbinds one it
  deletes; a call the broker does not answer in time is left to end, then the bindings of its id are made to match
  the database (services/approval/subscription_bindings.py);
- the notifier, at start and every `GREENLIGHT_NOTIFIER_REBIND_INTERVAL`, every subscription it knows (its own
  settings' and the database's): binding is idempotent, and this mends a subscription whose API replica died
  between its row and its bindings. At start it also drops the bindings of an older Greenlight, which bound the
  queue to every notified state.
A subscription removed from GREENLIGHT_NOTIFIER_SUBSCRIPTIONS keeps its bindings (AMQP cannot list them): its
events are still queued and dropped by the notifier, as every event was before.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable

from aio_pika.abc import AbstractExchange, AbstractQueue, AbstractRobustConnection

from services.shared.protocol import routing_key
from services.shared.settings import BusSettings
from services.shared.subscriptions import NOTIFIED, SubscriptionSpec
from services.shared.topology import declare_work_queue

SUBSCRIPTION_ARGUMENT = "x-greenlight-subscription"


def notifier_queue(bus: BusSettings) -> str:
    return f"{bus.queue_prefix}notifier"


async def bind_subscriptions(connection: AbstractRobustConnection, bus: BusSettings,
                             specs: Iterable[SubscriptionSpec]) -> None:
    await declare_work_queue(connection, bus, notifier_queue(bus), [])  # the bindings below need the queue
    async with _notifier_queue(connection, bus) as (queue, exchange):
        for spec in specs:
            for key in spec.routing_keys():  # binding again what is bound changes nothing
                await queue.bind(exchange, key, arguments={SUBSCRIPTION_ARGUMENT: spec.id})


async def unbind_subscription(connection: AbstractRobustConnection, bus: BusSettings, spec: SubscriptionSpec) -> None:
    await unbind_keys(connection, bus, spec.id, spec.routing_keys())


async def unbind_keys(connection: AbstractRobustConnection, bus: BusSettings, subscription_id: str,
                      keys: Iterable[str]) -> None:
    """The subscription's bindings to `keys`: those of an earlier spec of its id, too (subscription_bindings.py)."""
    async with _notifier_queue(connection, bus) as (queue, exchange):
        for key in keys:  # the broker answers ok for a binding that does not exist
            await queue.unbind(exchange, key, arguments={SUBSCRIPTION_ARGUMENT: subscription_id})


async def drop_unfiltered_bindings(connection: AbstractRobustConnection, bus: BusSettings) -> None:
    """The bindings without a subscription (an older Greenlight's: every notified state of every app)."""
    async with _notifier_queue(connection, bus) as (queue, exchange):
        for state in NOTIFIED:
            await queue.unbind(exchange, routing_key("*", state))


@contextlib.asynccontextmanager
async def _notifier_queue(connection: AbstractRobustConnection, bus: BusSettings,
                          ) -> AsyncIterator[tuple[AbstractQueue, AbstractExchange]]:
    """The queue and the exchange on one channel of their own, closed after: every binding through one."""
    channel = await connection.channel()
    try:
        yield (await channel.get_queue(notifier_queue(bus), ensure=False),
               await channel.get_exchange(bus.exchange, ensure=False))
    finally:
        await channel.close()
