"""Fails releases whose message RabbitMQ dead-lettered at the delivery limit.

A service that crashes (SIGKILL, OOM) while holding a message never gets to fail the release: after
`GREENLIGHT_DELIVERY_LIMIT` deliveries the quorum queue dead-letters the message itself, and the release
would wait forever. The approval service, which keeps every release's state, watches the dead-letter
exchange and publishes `failed` for such a release unless it has moved on since.

Ack policy: ack after the `failed` event is confirmed (or when there is nothing to do); a publish that
fails requeues the dead letter. Several replicas share the queue as competing consumers.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import structlog
from aio_pika.abc import AbstractIncomingMessage
from aiohttp import web

from services.shared.bus import Bus
from services.shared.events import BadMessage, ReleaseEvent, parse_event
from services.shared.protocol import ReleaseState, can_transition
from services.shared.release import ReleaseError
from services.shared.runtime import BUS, STORE
from services.shared.store import ReleaseStore

log = structlog.get_logger(__name__)
ACTOR = "approval"


def hit_delivery_limit(headers: dict[str, Any]) -> tuple[bool, str]:
    """RabbitMQ records why it dead-lettered a message in `x-death`; only delivery_limit is ours to act on."""
    for death in headers.get("x-death") or []:
        if isinstance(death, dict) and death.get("reason") in ("delivery_limit", b"delivery_limit"):
            queue = death.get("queue")
            return True, queue.decode() if isinstance(queue, bytes) else str(queue)
    return False, ""


class DeadLetterWatcher:
    def __init__(self, bus: Bus, store: ReleaseStore) -> None:
        self.bus = bus
        self.store = store
        self.queue_name = f"{bus.settings.queue_prefix}approval.dead-letters"

    async def start(self) -> None:
        channel = await self.bus.channel(self.bus.settings.prefetch)
        queue = await channel.declare_queue(self.queue_name, durable=True, arguments={"x-queue-type": "quorum"})
        # Only the broker's own dead letters keep a `release.*` key; refused (poison) ones go elsewhere.
        await queue.bind(self.bus.settings.dead_letter_exchange, "release.#")
        await queue.consume(self.on_message, no_ack=False)

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        limited, queue = hit_delivery_limit(dict(message.headers or {}))
        try:
            event = parse_event(message.body) if limited else None
        except BadMessage:
            event = None
        if event is not None:
            try:
                await self.fail(event, queue)
            except Exception as exc:
                log.warning("could not fail a dead-lettered release; will retry", error=repr(exc))
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
                return
        with contextlib.suppress(Exception):
            await message.ack()

    async def fail(self, event: ReleaseEvent, queue: str) -> None:
        history = self.store.history.get(event.release_id) or []
        latest = history[-1].event if history else event
        # The crashed service may have announced its step (seq + 1) but nothing after it.
        if latest.seq > event.seq + 1 or not can_transition(latest.state, ReleaseState.FAILED):
            return
        reason = (f"{queue or 'a service'} crashed on every one of {self.bus.settings.delivery_limit} "
                  f"deliveries of the {event.state} event; the message is in the dead-letter queue")
        log.error("failing release dead-lettered at the delivery limit", release=event.release_id, queue=queue)
        await self.bus.publish(latest.next(ReleaseState.FAILED, actor=ACTOR,
                                           error=ReleaseError(step=str(event.state), reason=reason)))


async def dead_letter_watcher_ctx(app: web.Application) -> AsyncIterator[None]:
    await DeadLetterWatcher(app[BUS], app[STORE]).start()
    yield  # its channel closes with the bus
