"""A git hook's raw body, read with the memory all callers together can make the API hold bounded.

A hook proves its caller over the whole body (GitHub's and the generic hook's HMAC), so it is read before anyone is
known, up to GREENLIGHT_HOOKS_MAX_BODY_BYTES (25 MiB, GitHub's cap) each: unbounded, 100 unsigned callers at once
held 2.5 GB. A body up to GREENLIGHT_HOOKS_SMALL_BODY_BYTES is read as any request's (a push is a few KiB); a larger
one takes one of GREENLIGHT_HOOKS_LARGE_BODY_READS slots before its first byte past that size is read, and keeps it
until its answer, so at most that many large bodies are held at once. With every slot taken the answer is 503 with
Retry-After: nothing was claimed, and the host's redelivery (or the person's) releases the push. A slot is taken or
refused at once, never waited for: a caller waiting would still hold its connection, and nothing would bound them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from services.approval.errors import ApiError
from services.approval.hook_settings import HookSettings

RETRY_AFTER = "10"  # seconds: a large read takes about that long at a few MB/s


class LargeBodies:
    """The slots for bodies past the small size, in one API process."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self.reading = 0  # large bodies read or held now

    def take(self) -> None:
        if self.reading >= self.slots:
            raise ApiError(f"{self.slots} large hook bodies are being read already; try again shortly.",
                           status=503, headers={"Retry-After": RETRY_AFTER})
        self.reading += 1

    def free(self) -> None:
        self.reading -= 1


LARGE_BODIES = web.AppKey("large_hook_bodies", LargeBodies)


@contextlib.asynccontextmanager
async def hook_body(request: web.Request, settings: HookSettings) -> AsyncIterator[bytes]:
    """The raw body (413 past GREENLIGHT_HOOKS_MAX_BODY_BYTES), a large one holding a slot until the block ends."""
    limit, small = settings.max_body_bytes, settings.small_body_bytes
    declared = request.content_length
    if declared is not None and declared > limit:  # refused before a byte is read
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=declared)
    slots = request.app[LARGE_BODIES]
    held = False
    try:
        if declared is not None and declared > small:  # taken before reading: no byte of it is read when full
            slots.take()
            held = True
        body = bytearray()
        while chunk := await request.content.readany():
            body += chunk
            if len(body) > limit:
                raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
            if len(body) > small and not held:  # chunked, or longer than it said
                slots.take()
                held = True
        raw = bytes(body)
        del body  # held once, not twice, while the hook handles it
        yield raw
    finally:
        if held:
            slots.free()
