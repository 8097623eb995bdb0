"""What a service subscribes to: the states its handler acts on, its queue and its ack policy."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState, routing_key
from services.shared.retries import Budget

__all__ = ["AckPolicy", "BudgetOf", "Handler", "Subscription", "Worker", "routing_keys"]

Handler = Callable[[ReleaseEvent, Bus], Awaitable[None]]
# A handler's own retry budget for an event, used instead of GREENLIGHT_RETRY_BUDGET; None: the general one.
BudgetOf = Callable[[ReleaseEvent], Budget | None]


class AckPolicy(StrEnum):
    # Ack only once the handler's effect is done and every event it published is confirmed.
    # An exception requeues (the quorum queue counts deliveries); on the last allowed delivery the
    # release is failed with the error and the message dead-lettered, so nothing loops forever.
    # A delivery past the limit means the service died (or lost the broker) every time it held the
    # message: the handler is not run again, the release is failed and the message dead-lettered.
    # A message that cannot be parsed is dead-lettered at once with the reason.
    # A `Retry` (a dependency is unavailable; the database out of reach counts as one) is acked once a copy is
    # parked in a delay queue on the broker (see retries.py): it comes back after a backoff, and the release fails
    # once the retry budget is spent (GREENLIGHT_RETRY_BUDGET, or the handler's own: Subscription.retry_budget).
    AFTER_EFFECT = "ack-after-effect"


@dataclass(frozen=True)
class Subscription:
    service: str
    states: Sequence[ReleaseState]
    handler: Handler
    ack_policy: AckPolicy = AckPolicy.AFTER_EFFECT
    queue: str | None = None  # default: <queue_prefix><service>; tests pass unique names
    # Raw routing keys bound besides the states, e.g. a TTL'd timer dead-lettered back to this queue.
    extra_routing_keys: Sequence[str] = ()
    # Drop messages of releases that already ended (aborted, past a deadline) before the handler runs. Off for
    # a subscriber that decides on the release's state itself (the deadline watcher).
    skip_ended: bool = True
    # The retry budget of the handler's messages, if one of them needs its own (retries.py: `Budget`).
    retry_budget: BudgetOf | None = None


class Worker(Protocol):
    """What a service runs per subscription: a Consumer of one queue, or PartitionClaims (claims.py)."""

    queue_name: str
    draining: asyncio.Event

    @property
    def handled(self) -> int: ...

    async def start(self) -> None: ...

    async def stop(self, grace: float) -> None: ...


def routing_keys(sub: Subscription) -> list[str]:
    return [routing_key("*", state) for state in sub.states] + list(sub.extra_routing_keys)
