"""A git hook's raw body, read with the memory all callers together can make the API hold bounded.

A hook proves its caller over the whole body (GitHub's and the generic hook's HMAC), so it is read before anyone is
known, up to GREENLIGHT_HOOKS_MAX_BODY_BYTES (25 MiB, GitHub's cap) each: unbounded, 100 unsigned callers at once
held 2.5 GB. A body up to GREENLIGHT_HOOKS_SMALL_BODY_BYTES is read as any request's (a push is a few KiB); a larger
one takes one of GREENLIGHT_HOOKS_LARGE_BODY_READS slots before its first byte past that size is read, and keeps it
until its answer, so at most that many large bodies are held at once. With every slot taken the answer is 503 with
Retry-After: nothing was claimed, and the host's redelivery (or the person's) releases the push. A slot is taken or
refused at once, never waited for: a caller waiting would still hold its connection, and nothing would bound them.
A slot's read is bounded by GREENLIGHT_HOOKS_LARGE_BODY_SECONDS from when it was taken: a sender that trickles its
body (a byte now and then, so no read ever waits long) held its slot for as long as it went on; past the deadline it
is answered 408 and the slot is free at once. The deadline is also the 503's Retry-After: no slot's read lasts longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from services.approval.errors import ApiError
from services.approval.hook_settings import HookSettings

log = structlog.get_logger(__name__)


class LargeBodies:
    """The slots for bodies past the small size, in one API process."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self.reading = 0  # large bodies read or held now

    def take(self, retry_after: float) -> None:
        if self.reading >= self.slots:
            raise ApiError(f"{self.slots} large hook bodies are being read already; try again shortly.",
                           status=503, headers={"Retry-After": str(math.ceil(retry_after))})
        self.reading += 1

    def free(self) -> None:
        self.reading -= 1


LARGE_BODIES = web.AppKey("large_hook_bodies", LargeBodies)


@contextlib.asynccontextmanager
async def hook_body(request: web.Request, settings: HookSettings) -> AsyncIterator[bytes]:
    """The raw body (413 past GREENLIGHT_HOOKS_MAX_BODY_BYTES), a large one holding a slot until the block ends."""
    declared = request.content_length
    if declared is not None and declared > settings.max_body_bytes:  # refused before a byte is read
        raise web.HTTPRequestEntityTooLarge(max_size=settings.max_body_bytes, actual_size=declared)
    with contextlib.ExitStack() as held:
        yield await _read(request, settings, held)


async def _read(request: web.Request, settings: HookSettings, held: contextlib.ExitStack) -> bytes:
    """The body; a slot taken once it is large is freed by `held`, its read cut at the deadline (408)."""
    limit, small, seconds = settings.max_body_bytes, settings.small_body_bytes, settings.large_body_seconds
    slots, loop = request.app[LARGE_BODIES], asyncio.get_running_loop()
    body = bytearray()
    try:
        async with asyncio.timeout(None) as deadline:

            def take() -> None:
                slots.take(seconds)
                held.callback(slots.free)
                deadline.reschedule(loop.time() + seconds)

            large = request.content_length is not None and request.content_length > small
            if large:  # taken before reading: no byte of it is read when full
                take()
            while chunk := await request.content.readany():
                body += chunk
                if len(body) > limit:
                    raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
                if len(body) > small and not large:  # chunked, or longer than it said
                    take()
                    large = True
    except TimeoutError:
        if not deadline.expired():
            raise
        log.warning("hook body cut at its deadline", path=request.path, read=len(body), seconds=seconds)
        # Connection: close, as RFC 9110 asks of a 408: the rest of this body is not wanted.
        raise ApiError(f"The hook body was not sent within GREENLIGHT_HOOKS_LARGE_BODY_SECONDS ({seconds:g} s).",
                       status=408, headers={"Connection": "close"}) from None
    return bytes(body)  # the bytearray goes with this frame: the body is held once while the hook handles it
