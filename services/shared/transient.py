"""The one mark of a transient failure, shared by every adapter: no dependencies, so any module may raise it."""

from __future__ import annotations


class Retry(Exception):
    """A dependency is unavailable for now: the consumer retries the message after a backoff on the broker,
    within GREENLIGHT_RETRY_BUDGET (services/shared/retries.py). Anything else an adapter raises is permanent."""

    dependency = "a dependency"

    def __init__(self, reason: str, dependency: str | None = None, *, not_before: float | None = None) -> None:
        super().__init__(reason)
        if dependency is not None:
            self.dependency = dependency
        # Seconds the dependency asked to be left alone (a 429's or 503's Retry-After): the retry waits at least that,
        # up to the longest retry tier; a longer ask that would outlast the retry budget fails the release at once.
        self.not_before = not_before
