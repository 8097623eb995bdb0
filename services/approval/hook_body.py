"""A git hook's raw body, read with the memory all callers together can make the API hold bounded.

A hook proves its caller over the whole body (GitHub's and the generic hook's HMAC), so it is read before anyone is
known, up to GREENLIGHT_HOOKS_MAX_BODY_BYTES (25 MiB, GitHub's cap) each: unbounded, 100 unsigned callers at once
held 2.5 GB. A body up to GREENLIGHT_HOOKS_SMALL_BODY_BYTES is read as any request's (a push is a few KiB); a larger
one takes one of GREENLIGHT_HOOKS_LARGE_BODY_READS slots before its first byte past that size is read, and keeps it
until its answer, so at most that many large bodies are held at once. With every slot taken the answer is 503 with
Retry-After: nothing was claimed, and the host's redelivery (or the person's) releases the push. A slot is taken or
refused at once, never waited for: a caller waiting would still hold its connection, and nothing would bound them.
Every body is read under the API's deadline (body_deadline.py, GREENLIGHT_API_BODY_READ_SECONDS); a slot restarts it
as GREENLIGHT_HOOKS_LARGE_BODY_SECONDS from when it was taken: a sender that trickles its body (a byte now and then,
so no read ever waits long) held its slot for as long as it went on; past the deadline it is answered 408, its
connection closed, and the slot is free at once. It is also the 503's Retry-After: no slot's read lasts longer.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator

from aiohttp import web

from services.approval.body_deadline import body_deadline
from services.approval.errors import ApiError
from services.approval.hook_settings import HookSettings


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
    slots = request.app[LARGE_BODIES]
    body = bytearray()
    async with body_deadline(request, "hook body") as deadline:

        def take() -> None:
            slots.take(seconds)
            held.callback(slots.free)
            deadline.restart("GREENLIGHT_HOOKS_LARGE_BODY_SECONDS", seconds)

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
    return bytes(body)  # the bytearray goes with this frame: the body is held once while the hook handles it
