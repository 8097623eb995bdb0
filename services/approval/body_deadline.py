"""Every request body the API reads arrives within a deadline, or is answered 408 and its connection closed.

A body is read after its headers and before anything is known of its sender (a hook's and a Slack press's signature
cover the whole body), and aiohttp bounds only its size: a sender that trickled a body (a byte now and then, so no
single read waits long) kept a connection, a handler task and its buffer for as long as it went on, and a few
thousand such senders ran the API out of file descriptors. Every read of a body goes through `body_deadline` (the
JSON bodies of routing.py, Slack presses, git hook bodies): all of it must arrive within
GREENLIGHT_API_BODY_READ_SECONDS of when its read starts. A hook body past the small size restarts its deadline as
GREENLIGHT_HOOKS_LARGE_BODY_SECONDS once it holds a slot (hook_body.py): that setting may be the longer one.

Past the deadline the answer is 408 with `Connection: close` (RFC 9110) and the connection is closed as soon as the
answer is written. Left to itself aiohttp reads and drops the rest of an unread body for up to 10 s after any answer
(its lingering time, one setting for the whole server), which a trickler fills to the last second: 10 s more of every
such connection. Lingering is there so that a client still sending reads the answer rather than a reset; the client
here is one that did not send its body within the deadline, its answer is in the socket before the close, and a
client that reads while it writes (as asyncio's and curl's do) has it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from services.approval.errors import ApiError

log = structlog.get_logger(__name__)

SETTING = "GREENLIGHT_API_BODY_READ_SECONDS"
BODY_READ_SECONDS = web.AppKey("body_read_seconds", float)


class BodyTooSlow(ApiError):
    """A body that did not arrive within its deadline; answered by `close_after_slow_body`."""

    status = 408

    def __init__(self, what: str, setting: str, seconds: float) -> None:
        super().__init__(f"The {what} was not sent within {setting} ({seconds:g} s).", headers={"Connection": "close"})


class BodyDeadline:
    """When one body's read is cut, and the setting that says so (named in the 408)."""

    def __init__(self, timeout: asyncio.Timeout, seconds: float) -> None:
        self._timeout, self.setting, self.seconds = timeout, SETTING, seconds

    def restart(self, setting: str, seconds: float) -> None:
        """`seconds` from now, from `setting`, instead of what was left."""
        self.setting, self.seconds = setting, seconds
        self._timeout.reschedule(asyncio.get_running_loop().time() + seconds)


@contextlib.asynccontextmanager
async def body_deadline(request: web.Request, what: str = "request body") -> AsyncIterator[BodyDeadline]:
    """The block reading `request`'s body is cut at the API's deadline: BodyTooSlow (408)."""
    seconds = request.app[BODY_READ_SECONDS]
    try:
        async with asyncio.timeout(seconds) as timeout:
            deadline = BodyDeadline(timeout, seconds)
            yield deadline
    except TimeoutError:
        if not timeout.expired():  # a timeout of the block's own, not this one
            raise
        log.warning("request body cut at its deadline", path=request.path, setting=deadline.setting,
                    seconds=deadline.seconds)
        raise BodyTooSlow(what, deadline.setting, deadline.seconds) from None
    # aiohttp's parser hands these to the body's reader: they were 500s with a traceback a request, anyone's (a hook's
    # body is read before its signature is checked). Its message is not passed on: a framing error quotes the body.
    except web.RequestPayloadError as exc:
        log.info("request body could not be read", path=request.path, error=type(exc.__cause__ or exc).__name__)
        raise ApiError(f"The {what} could not be read: its Content-Encoding or chunked framing is broken.",
                       status=400, headers={"Connection": "close"}) from None


async def read_body(request: web.Request) -> bytes:
    """The whole body within the deadline (413 past the app's client_max_size, as `request.read()`)."""
    async with body_deadline(request):
        return await request.read()


@web.middleware
async def close_after_slow_body(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A BodyTooSlow's 408, written, then its connection closed: nothing more of that body is read."""
    try:
        return await handler(request)
    except BodyTooSlow as exc:
        response = exc.response()
        response.force_close()  # aiohttp keeps no keep-alive for it either
        with contextlib.suppress(ConnectionError):  # the sender went meanwhile: nothing to answer, closed anyway
            await response.prepare(request)
            await response.write_eof()  # in the transport's buffer: its close sends it first, then FIN
        request.protocol.force_close()  # before aiohttp starts its lingering read of the rest
        return response
