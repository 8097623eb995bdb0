"""A publish whose confirm came too late: the broker routed and logged it, the publisher heard PublishFailed."""

from __future__ import annotations

from typing import Any

import aio_pika

from services.shared.bus import Bus, PublishFailed


def lose_the_confirm_of(bus: Bus, message_id: str) -> list[str]:
    """The first publish of `message_id` on `bus` goes out, then raises PublishFailed as a late confirm does; the
    list it returns holds the routing key once that happened."""
    publish = bus._publish
    lost: list[str] = []

    async def confirm_lost(exchange: Any, message: aio_pika.Message, key: str) -> None:
        await publish(exchange, message, key)  # routed and logged ...
        if message.message_id == message_id and not lost:
            lost.append(key)  # ... but its confirm came too late
            raise PublishFailed(f"publish to {key} failed: TimeoutError()")

    bus._publish = confirm_lost  # type: ignore[method-assign]
    return lost
