"""Whether a delivery is one its subscription takes (delivery_handling.py asks before the handler runs).

A work queue is bound to its subscription's states (WORK_QUEUES, from the release table) and extra keys (timers,
deadlines), but anything can reach it under the queue's own name through the default exchange: a message moved by
hand from another queue, or a stray binding. An event of a state the handler does not act on went to its fallback
branch (the deployer frees the release's colour on anything but `pushed`). What legitimately arrives under the
queue's name is what comes back from a delay queue of its own (a retry, a timer moved by a relayout): the broker
says so in `x-death`. Anything else is dead-lettered, saying why.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.shared.events import ReleaseEvent
from services.shared.queue_moves import ROUTED_AS
from services.shared.work_subscription import Subscription


def not_taken(sub: Subscription, queue_prefix: str, event: ReleaseEvent, key: str | None,
              headers: Mapping[str, object] | None) -> str | None:
    """Why `sub` does not take `event`, delivered under `key`; None if it does."""
    if isinstance(routed := (headers or {}).get(ROUTED_AS), str):
        key = routed  # moved by a relayout: what it was routed under before
    if event.state in sub.states or any(_matches(pattern, key or "") for pattern in sub.extra_routing_keys):
        return None
    own = sub.queue or f"{queue_prefix}{sub.service}"
    if _back_from_a_delay_queue_of(own, headers or {}):
        return None
    taken = ", ".join(state.value for state in sub.states) or "no release state"
    return (f"{sub.service} takes {taken} (and {', '.join(sub.extra_routing_keys) or 'no other key'}), not a "
            f"`{event.state.value}` event delivered under {key!r}: moved into its queue by hand?")


def _back_from_a_delay_queue_of(own: str, headers: Mapping[str, object]) -> bool:
    """Whether the broker's last dead-lettering of the message was an expiry in a queue of `own`'s (its retry queues,
    `<queue>[.p<n>].retry-<ms>`, the switcher's timers): a retry or a timer a delivery under a taken key set."""
    deaths = headers.get("x-death")
    if not isinstance(deaths, list) or not deaths or not isinstance(latest := deaths[0], Mapping):
        return False  # the newest dead-lettering comes first
    queue = latest.get("queue")
    return latest.get("reason") == "expired" and isinstance(queue, str) and queue.startswith(f"{own}.")


def _matches(pattern: str, key: str) -> bool:
    """A topic binding's match: `*` one word, `#` none or more."""
    return _words_match(pattern.split("."), key.split("."))


def _words_match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    if pattern[0] == "#":
        return any(_words_match(pattern[1:], words[skip:]) for skip in range(len(words) + 1))
    return bool(words) and pattern[0] in ("*", words[0]) and _words_match(pattern[1:], words[1:])
