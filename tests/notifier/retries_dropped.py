"""A test awaits the notifier dropping a retry whose delivery is settled, then finds it in no queue."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest

from services.notifier.handlers import Notifier
from services.shared.events import ReleaseEvent
from services.shared.settings import BusSettings


def dropped_retries(monkeypatch: pytest.MonkeyPatch) -> asyncio.Queue[str]:
    """Each event id whose retry found its delivery settled, as the notifier looks it up (and then drops it).

    Spied on `Notifier.finished`, not on the record read inside it: a retry back while a disabling commits can read
    its record still pending, then the subscription disabled, and settle it there (dropped all the same)."""
    found: asyncio.Queue[str] = asyncio.Queue()
    finished = Notifier.finished

    async def spy(notifier: Notifier, event: ReleaseEvent, only: str) -> bool:
        done = await finished(notifier, event, only)
        if done:
            found.put_nowait(event.message_id)
        return done

    monkeypatch.setattr(Notifier, "finished", spy)
    return found


async def queued(bus: BusSettings, *queues: str) -> int:
    """Messages ready in `queues`: a retry parked again, or back in the work queue, is counted."""
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        counts = [(await channel.declare_queue(q, passive=True)).declaration_result.message_count for q in queues]
    return sum(count or 0 for count in counts)
