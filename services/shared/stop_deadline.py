"""One deadline for a service's whole stop, shared by every step of it.

Each step of a stop has its own bound (the in-flight work its grace period, each broker call 5 s, the connection's
close 10 s), and on a broker that keeps the connection and never answers the steps run out one after another: a
consuming notifier took its grace period and about 35 s more, past the 45 s Kubernetes gives it before SIGKILL
(`greenlight up` gave 35 s). So the stop as a whole ends within `GREENLIGHT_GRACE_PERIOD +
GREENLIGHT_STOP_MARGIN`: the runner (`StopBoundRunner`, used by `serving.serve` and the tests' harness) sets the
deadline when the stop begins, each step waits for the lesser of its own bound and what is left (`within_stop`),
and a step with no bound of its own is cut off at the deadline, said in one line.

A context variable rather than state on the app: in one process (the bench, `greenlight` in-process tests) several
services share the loop, and only the one stopping, with the tasks its stop starts, sees its deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

STOP_WITHIN = web.AppKey("stop_within", float)  # seconds the whole stop may take: grace period + stop margin
CUT_OFF_AFTER = 1.0  # seconds past the deadline before a step without a bound of its own is cut off
# Kept back from the other steps for the broker connection's close, the stop's last broker step: on a silent broker
# aiormq waits 2 s for the close-ok, then closes the socket; cut off earlier, its reader and writer are left behind.
LAST_CLOSE = 3.0

_deadline: ContextVar[float | None] = ContextVar("greenlight_stop_deadline", default=None)


@contextlib.contextmanager
def stopping_within(seconds: float | None) -> Iterator[None]:
    """The steps run inside share one deadline, `seconds` from now less `LAST_CLOSE` (None: each keeps its own
    bound)."""
    deadline = None if seconds is None else asyncio.get_running_loop().time() + max(0.0, seconds - LAST_CLOSE)
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def within_stop(bound: float) -> float:
    """`bound`, or what is left of the stop's deadline when that is less (0 once it has passed); `bound` itself
    outside a stop."""
    deadline = _deadline.get()
    if deadline is None:
        return bound
    return max(0.0, min(bound, deadline - asyncio.get_running_loop().time()))


def for_the_last_close(bound: float) -> float:
    """`within_stop(bound)`, but never less than `LAST_CLOSE`: the connection's close, kept back for."""
    return bound if _deadline.get() is None else max(LAST_CLOSE, within_stop(bound))


class StopBoundRunner(web.AppRunner):
    """An AppRunner whose cleanup (HTTP drain, on_shutdown, cleanup_ctx) shares the app's `STOP_WITHIN`."""

    async def shutdown(self) -> None:
        await super().shutdown()
        # Read by the runner's cleanup right after this hook: the HTTP drain waits for what is left at most.
        self._shutdown_timeout = within_stop(self._shutdown_timeout)

    async def cleanup(self) -> None:
        within = self.app.get(STOP_WITHIN)
        cut = asyncio.timeout(None if within is None else within + CUT_OFF_AFTER)
        with stopping_within(within):
            try:
                async with cut:
                    await super().cleanup()
            except TimeoutError:
                if not cut.expired():
                    raise
                # Only a step with no bound of its own gets here: what was left closes with the process.
                log.error("the stop passed its deadline (GREENLIGHT_GRACE_PERIOD + GREENLIGHT_STOP_MARGIN); "
                          "what was left is cut off", seconds=within)
