"""The RabbitMQ side: one robust connection, the topology, and confirmed, mandatory publishing."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractExchange, AbstractRobustChannel, AbstractRobustConnection

from services.shared.declared_in_time import Doing, declared_in_time
from services.shared.ended import EndedReleases
from services.shared.events import ReleaseEvent
from services.shared.multihost import MultiHostConnection
from services.shared.progress import Progress
from services.shared.settings import BusSettings
from services.shared.stop_deadline import for_the_last_close
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded
from services.shared.topology import declare_log_stream, declare_topology
from services.shared.work_queue_layout import declare_every_work_queue

log = structlog.get_logger(__name__)
REASON_HEADER = "x-greenlight-reason"
REFUSED_PREFIX = "refused."
PROGRESS_TTL = 30  # seconds: progress older than this tells nobody anything
# The latest event published per release within one message's handling (each runs in its own task
# context), so a handler that gives up fails the release from where it got to, not from where it began.
PUBLISHED: ContextVar[dict[str, ReleaseEvent] | None] = ContextVar("published", default=None)
# Set while a message that was retried is handled: (release id, details its events record about the retries).
RETRIED: ContextVar[tuple[str, dict[str, Any]] | None] = ContextVar("retried", default=None)
# Set while a message handled before (returned by a channel that closed: a killed or cut-off consumer) is handled
# again: its effect may be done and its next event published, by a process that remembers it no more.
REDELIVERED: ContextVar[bool] = ContextVar("redelivered", default=False)
# The headers of the message being handled: a dead-lettered timer's `x-death` names the queue it waited in.
DELIVERED_HEADERS: ContextVar[Mapping[str, Any] | None] = ContextVar("delivered_headers", default=None)


class PublishFailed(RuntimeError):
    """Not confirmed in time, nacked or unroutable: the message being handled must not be acked."""


class Bus:
    def __init__(self, settings: BusSettings, connection_name: str) -> None:
        self.settings = settings
        self.connection_name = connection_name
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._progress: AbstractExchange | None = None  # the same exchange on a channel without confirms
        self._dlx: AbstractExchange | None = None
        self.ended = EndedReleases()  # releases seen to end: no further event of theirs is published

    @property
    def connection(self) -> AbstractRobustConnection:
        assert self._connection is not None, "Bus.connect() first"
        return self._connection

    async def connect(self) -> None:
        # Every node's address (AMQP_URL may list several): a reconnect moves to the next node that answers.
        connection = MultiHostConnection(
            self.settings.amqp_urls(), client_properties={"connection_name": self.connection_name})
        await connection.connect(timeout=self.settings.connect_timeout)
        self._connection = connection
        try:  # the declarations given up once the broker is silent for connect_timeout (declared_in_time.py)
            await declared_in_time(self._declare(doing := Doing()), connection, self.settings.connect_timeout, doing)
        except BaseException:
            # Half set up (a topology the broker refused, a cancelled start): close what was opened, or the
            # robust connection stays open, reconnecting, for as long as the process lives.
            self._connection = self._channel = self._exchange = self._progress = self._dlx = None
            with contextlib.suppress(Exception):
                await bounded(connection.close(), 10)
            raise

    async def _declare(self, doing: Doing) -> None:
        assert self._connection is not None
        # on_return_raises: an unroutable mandatory publish raises instead of vanishing.
        self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        doing.now = "declaring the events and dead-letter exchanges"
        self._exchange, self._dlx = await declare_topology(self._channel, self.settings)
        # Progress is best effort: a confirm would only make the step it reports on wait a broker round trip
        # (two per deploy, 2.6-3.8 ms each under the orchestration bench), so it goes out unconfirmed.
        doing.now = "opening its progress channel"
        progress_channel = await self._connection.channel(publisher_confirms=False)
        self._progress = await progress_channel.get_exchange(self.settings.exchange, ensure=False)
        doing.now = "declaring the release log"
        await declare_log_stream(self._connection, self.settings)
        doing.now = "watching for ended releases"
        await self.ended.watch(await self._connection.channel(), self.settings.exchange)
        doing.now = "declaring the work queues"
        await declare_every_work_queue(self._connection, self.settings)

    async def close(self) -> None:
        if self._connection is not None and not self._connection.is_closed:
            try:
                await bounded(self._connection.close(), for_the_last_close(10))
            except TimeoutError:  # the process ends next: the broker takes back what it held when the socket goes
                log.warning("the broker connection's close did not end in time; left to the process's exit")

    async def channel(self, prefetch: int) -> AbstractRobustChannel:
        channel = await self.connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        return channel

    async def publish(self, event: ReleaseEvent) -> None:
        self.ended.check(event)  # the safe point after work: an aborted release gets no `built`
        if (retried := RETRIED.get()) is not None and retried[0] == event.release_id:
            event = event.model_copy(update={"details": {**event.details, **retried[1]}})
        message = aio_pika.Message(
            event.dumps(), content_type="application/json", message_id=event.message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, timestamp=event.occurred_at,
            headers={"app": event.app, "state": event.state.value, "seq": event.seq},
        )
        assert self._exchange is not None
        await self._publish(self._exchange, message, event.routing_key)
        if (published := PUBLISHED.get()) is not None:
            published[event.release_id] = event

    async def progress(self, item: Progress) -> None:
        """Best effort: transient, not mandatory (nobody may be listening), unconfirmed, and a failure is only
        logged, so reporting progress can never hold up or fail the step it reports on."""
        message = aio_pika.Message(
            item.model_dump_json().encode(), content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT, expiration=PROGRESS_TTL,
        )
        try:
            assert self._progress is not None
            await bounded(self._progress.publish(message, item.routing_key, mandatory=False),
                          self.settings.publish_timeout)
        except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            log.warning("progress not published", step=item.step, error=repr(exc))

    async def dead_letter(self, body: bytes, routing_key: str, reason: str, headers: dict[str, Any]) -> None:
        message = aio_pika.Message(
            body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={**headers, REASON_HEADER: reason[:1000]},
        )
        assert self._dlx is not None
        # `refused.` sets these apart from the broker's own dead letters (delivery limit), which keep
        # their `release.<app>.<state>` key, so a watcher can bind to either kind alone.
        await self._publish(self._dlx, message, f"{REFUSED_PREFIX}{routing_key or 'unroutable'}")

    async def _publish(self, exchange: AbstractExchange, message: aio_pika.Message, key: str) -> None:
        # The timeout matters: during a reconnect a publish can otherwise wait forever (aio-pika #636).
        try:
            await bounded(
                on_the_broker(exchange.publish(message, key, mandatory=True)), self.settings.publish_timeout
            )
        except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            raise PublishFailed(f"publish to {exchange.name}/{key} failed: {exc!r}") from exc
