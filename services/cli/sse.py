"""Following an SSE stream of release events that survives drops, resuming with Last-Event-ID."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from httpx_sse import SSEError, connect_sse

from services.cli.answers import StreamedEvent, progress_item, streamed_event
from services.cli.client import ApiError, GreenlightClient

# Connection-level trouble worth another attempt; an HTTP 4xx answer is not (it will not change), except 429:
# the API's stream limits, "retry later" with a Retry-After.
DROPS = (httpx.TransportError, SSEError)
TOO_MANY = 429
NO_CONTENT = 204  # a release's stream asked from its last event on (the API's streams.py)
T = TypeVar("T")


@dataclass
class Reconnect:
    """Consecutive failed attempts allowed, and the backoff between them (the first retry is at once). A stream
    that stayed open `healthy_after` seconds before it dropped was no failed attempt: a release waiting hours for
    approval behind a proxy that cuts idle streams, or through API restarts, is followed as long as it takes."""

    attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 5.0
    healthy_after: float = 30.0
    max_retry_after: float = 60.0  # the most a server's Retry-After makes us wait at once
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def delay(self, failures: int) -> float:
        return 0.0 if failures <= 1 else min(self.max_delay, self.base_delay * 2 ** (failures - 2))

    def pause(self, failures: int, error: Exception) -> None:
        """The backoff, or longer when the API said when to come back (at most `max_retry_after`)."""
        asked = error.retry_after if isinstance(error, ApiError) and error.retry_after is not None else 0.0
        self.sleep(max(self.delay(failures), min(asked, self.max_retry_after)))


def passing(error: ApiError) -> bool:
    """The API's "not now" (a 5xx: its database away, a restart; 429: its stream limits), not a refusal that stays."""
    return error.status is not None and (error.status >= 500 or error.status == TOO_MANY)


def retried(call: Callable[[], T], reconnect: Reconnect | None = None) -> T:
    """`call`'s answer, asked again after a passing refusal as a dropped stream is: a watch that starts during a
    database blip waits it out, as one already following does."""
    policy = reconnect or Reconnect()
    failures = 0
    while True:
        try:
            return call()
        except ApiError as exc:
            failures += 1
            if not passing(exc) or failures > policy.attempts:
                raise
            policy.pause(failures, exc)


def follow_events(client: GreenlightClient, path: str, *, last_event_id: int | None = None,
                  reconnect: Reconnect | None = None, read_timeout: float = 60.0,
                  on_reconnect: Callable[[int | None], None] | None = None,
                  on_progress: Callable[[dict[str, Any]], None] | None = None,
                  ) -> Generator[StreamedEvent, None, None]:
    """Every event of the stream from `last_event_id` on, forever; the caller stops iterating. Asked past a
    release's last event, the API answers 204: an ApiError with that status, never retried.

    After a drop it reconnects with the last offset it saw, so nothing is missed; an offset it has
    already yielded is skipped, so a server that repeats itself cannot cause a duplicate.
    Progress messages (`event: progress`, no id: not logged, never replayed) go to `on_progress`.
    """
    policy = reconnect or Reconnect()
    failures = 0
    last = last_event_id
    while True:
        opened: list[float] = []  # when this attempt's stream was accepted, if it was
        try:
            for event in _stream_once(client, path, last, read_timeout, on_progress,
                                      functools.partial(_stamp, opened, policy.clock)):
                if last is not None and event.offset <= last:
                    continue
                failures = 0
                last = event.offset
                yield event
            error: Exception = ApiError("the event stream ended")  # a clean end is a drop too
        except DROPS as exc:
            error = exc
        except ApiError as exc:
            if not passing(exc):
                raise
            error = exc
        if opened and policy.clock() - opened[0] >= policy.healthy_after:
            failures = 0
        failures += 1
        if failures > policy.attempts:
            raise ApiError(f"lost the event stream from {client.shown_url} after {policy.attempts} retries: "
                           f"{_describe(error)}")
        policy.pause(failures, error)
        if on_reconnect is not None:
            on_reconnect(last)


def _stamp(stamps: list[float], clock: Callable[[], float]) -> None:
    stamps.append(clock())


def _stream_once(client: GreenlightClient, path: str, last: int | None, read_timeout: float,
                 on_progress: Callable[[dict[str, Any]], None] | None = None,
                 on_open: Callable[[], None] | None = None) -> Iterator[StreamedEvent]:
    headers = {"Last-Event-ID": str(last)} if last is not None else {}
    timeout = httpx.Timeout(client.timeout, read=read_timeout)
    with connect_sse(client.http, "GET", path, headers=headers, timeout=timeout) as source:
        if source.response.status_code >= 400:
            source.response.read()
            raise client.error_from(source.response)
        if source.response.status_code == NO_CONTENT:  # asked past a release's last event: not a drop to retry
            raise ApiError(f"{client.shown_url} has no more events of {path}: the release has ended", status=NO_CONTENT)
        if on_open is not None:
            on_open()
        for sse in source.iter_sse():
            if sse.event == "progress":  # carries no id of its own (httpx-sse repeats the last one)
                if on_progress is not None and (item := progress_item(sse.data)) is not None:
                    on_progress(item)
                continue
            if not sse.data or not sse.id:
                continue  # keep-alive or a message that is not a logged event
            yield streamed_event(sse, client.shown_url)


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.ConnectError):
        return "connection refused"
    return str(error) or type(error).__name__
