"""A worker's queue split by app, so N replicas of a worker are safe (issue 13).

With `GREENLIGHT_PARTITIONS=K` (K > 0) the events a worker acts on go through a consistent-hash exchange
`<queue>.hash` (RabbitMQ's plugin rabbitmq_consistent_hash_exchange), which hashes the `app` header every
event carries into one of K quorum queues `<queue>.p0` … `<queue>.p<K-1>`. All events of one app land in
one partition, in the order they were published. Each partition is consumed by at most one replica at a
time (services/shared/claims.py), which handles one message of an app at a time: the releases of an app
are handled in order and never by two processes at once, and different apps spread over the replicas.

Why this and not the alternatives:
- Single-active-consumer alone (every replica consumes every partition, the broker picks one) hands each
  partition to the FIRST consumer registered on RabbitMQ 3.10 (consumer priorities with SAC arrive in
  3.12): all partitions would sit on whichever replica started first. The partitions keep SAC anyway, as a
  fence: the broker never delivers one partition to two consumers, even if a claim were ever wrong.
- A lease per app in the database would put the database on the path of the builder, pusher and deployer,
  which do not use it today, and fail over only when the lease expires (seconds) instead of when the
  broker sees the connection go (at once for a killed process).
- Exclusive consumers cannot be the lock: quorum queues do not enforce `exclusive` on basic.consume and do
  not report consumers in declare-ok (checked on 3.10), so claims use exclusive queues (classic, owned by
  one connection, deleted by the broker when that connection goes).

K must be the same on every service (each declares every worker's partitions) and is best changed only
while the queues are empty: the hash ring moves some apps to other partitions. A broker without the plugin
stops the service at start-up with one line naming GREENLIGHT_PARTITIONS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aio_pika
import aiormq
import structlog
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from services.shared.settings import BusSettings, StartupError
from services.shared.topology import work_queue_arguments

log = structlog.get_logger(__name__)

HASH_HEADER = "app"  # set on every release event by Bus.publish (and on the switcher's timers)
PLUGIN = "rabbitmq_consistent_hash_exchange"
HASH_EXCHANGE_TYPE = "x-consistent-hash"  # the exchange type the plugin adds
# The workers whose queue is partitioned when GREENLIGHT_PARTITIONS > 0: the ones with side effects that
# must not overlap per app, and the analysis, whose measurement of one event taken twice at once (two replicas
# each handed a copy) is two different events with one seq. The notifier keeps its one shared queue (its
# deliveries are per subscription).
PARTITIONED = frozenset({"builder", "pusher", "deployer", "analysis", "switcher"})


def hash_exchange_name(queue: str) -> str:
    return f"{queue}.hash"


def partition_names(queue: str, partitions: int) -> list[str]:
    return [f"{queue}.p{index}" for index in range(partitions)]


def lock_name(partition: str) -> str:
    """The exclusive queue whose owner consumes `partition`."""
    return f"{partition}.owner"


def members_name(queue: str) -> str:
    """A queue every replica of the worker consumes (nothing is published to it): its consumer count is
    the number of replicas, from which each works out its fair share of the partitions."""
    return f"{queue}.replicas"


def hungry_name(queue: str) -> str:
    """Consumed by each replica that holds fewer partitions than its floor share: a replica above its
    floor then gives one up (see claims.py)."""
    return f"{queue}.hungry"


def feeder_name(queue: str) -> str:
    """Held (its lock, `<queue>.feeding.owner`) by the one replica giving a partition up to a hungry one (claims.py)."""
    return f"{queue}.feeding"


def partition_arguments(settings: BusSettings) -> dict[str, Any]:
    return {**work_queue_arguments(settings), "x-single-active-consumer": True}


async def declare_partitions(connection: AbstractRobustConnection, settings: BusSettings, queue: str,
                             routing_keys: Sequence[str]) -> list[str]:
    """The hash exchange bound to `routing_keys` on the events exchange, and its K partitions. Idempotent."""
    channel = await _plain_channel(connection)  # a robust one the broker closes would be reopened, and kept open
    try:
        try:
            ring = await channel.declare_exchange(hash_exchange_name(queue), HASH_EXCHANGE_TYPE, durable=True,
                                                  arguments={"hash-header": HASH_HEADER})
        except (aiormq.exceptions.AMQPConnectionError, aio_pika.exceptions.ChannelClosed) as exc:
            raise StartupError(
                f"GREENLIGHT_PARTITIONS={settings.partitions} needs the RabbitMQ plugin {PLUGIN} "
                f"(rabbitmq-plugins enable {PLUGIN}); the broker said: {str(exc)[:160]}") from None
        events = await channel.get_exchange(settings.exchange, ensure=False)
        for key in routing_keys:
            await ring.bind(events, key)
        names = partition_names(queue, settings.partitions)
        for name in names:
            try:
                partition = await channel.declare_queue(name, durable=True, arguments=partition_arguments(settings))
            except aio_pika.exceptions.ChannelPreconditionFailed as exc:
                # Declared by a deployment with another delivery limit or replica count: kept, as a work queue is
                # (topology.py). The refusal closed the channel, so the rest go through a new one.
                log.info("partition exists with other arguments; keeping it", queue=name, detail=str(exc)[:200])
                channel = await _plain_channel(connection)
                ring = await channel.get_exchange(hash_exchange_name(queue), ensure=False)
                partition = await channel.declare_queue(name, passive=True)
            await partition.bind(ring, "1")  # the weight: every partition gets an equal share of the ring
        return names
    finally:
        if not channel.is_closed:
            await channel.close()


async def _plain_channel(connection: AbstractRobustConnection) -> AbstractChannel:
    channel = aio_pika.Channel(connection)
    await channel.initialize()
    return channel
