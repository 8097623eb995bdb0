"""A process with a read model but without the projector's lease: it waits for the leader, follows it, and
takes the lease over when the leader is gone.

Ready means the same as for the leader: the database holds everything logged before start-up. The standby learns
where the log ends by reading back a marker it publishes (consumed from "next", so nothing before it is read),
then waits until the projection has passed that offset. Its readers (SSE streams, the desk) are woken when the
stored offset moves, looked at every `follow_interval` and at once on PostgreSQL (wakeup.py); the lease is tried
every `lease_interval`, so a leader's death costs at most that before another process folds (it resumes from the
stored offset: nothing is lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import aio_pika
import sqlalchemy as sa
import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.shared.db.projector import Projector
from services.shared.db.wakeup import FoldWakeup
from services.shared.releaselog import MARKER_HEADER, consume_log
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)


class ReadModel:
    """The projector of this process, leading or standing by."""

    def __init__(self, projector: Projector, follow_interval: float = 0.05, lease_interval: float = 1.0) -> None:
        self.projector = projector
        self.follow_interval = follow_interval
        self.lease_interval = lease_interval
        self._standby: asyncio.Task[None] | None = None
        self._wakeup = FoldWakeup(projector.database.engine, projector.stream)

    async def start(self, timeout: float = 60.0) -> None:
        projector = self.projector
        if await projector.lease.try_acquire():
            await projector.lead(timeout)
            return
        async with asyncio.timeout(timeout):
            target = await self._log_end()
            while await projector.folded_up_to() < target:
                if await projector.lease.try_acquire():  # the leader is gone: catch up ourselves
                    await self._wakeup.close()
                    await projector.lead(timeout)  # its own marker comes after `target`: caught up past it
                    return
                await self._wakeup.wait(self.follow_interval)
        log.info("read model current; another process projects", stream=projector.stream, offset=target)
        self._standby = asyncio.create_task(self._stand_by(), name="projector-standby")

    async def stop(self) -> None:
        if self._standby is not None:
            self._standby.cancel()
            await asyncio.gather(self._standby, return_exceptions=True)
        await self._wakeup.close()
        await self.projector.stop()

    @property
    def leading(self) -> bool:
        return self.projector.leading

    async def _stand_by(self) -> None:
        projector, seen, waited = self.projector, -1, 0.0
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await self._wakeup.wait(self.follow_interval)  # woken at once by a fold on PostgreSQL (wakeup.py)
            waited += loop.time() - started
            try:
                now = await projector.folded_up_to()
                if now != seen:
                    seen = now
                    await projector.database.notify()
                if waited >= self.lease_interval:
                    waited = 0.0
                    if await projector.lease.try_acquire():
                        log.info("projector lease taken over: this process folds the log now", after=now)
                        await self._wakeup.close()
                        await projector.lead(None)
                        return
            except (OSError, sa.exc.SQLAlchemyError, aio_pika.exceptions.AMQPError) as exc:
                log.warning("read model standby: database or broker unavailable; trying again",
                            error=str(exc).splitlines()[0][:200])
            except Exception as exc:  # a bug: loud, but a standby that stopped would never take over
                log.error("read model standby failed on an unexpected error; trying again", error=repr(exc)[:300],
                          exc_info=exc)

    async def _log_end(self) -> int:
        """The offset of a marker published now: the end of the log at this moment."""
        projector, marker = self.projector, uuid.uuid4().hex
        found: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        closing = False

        async def on_message(message: AbstractIncomingMessage) -> None:
            # No ack may be sent once the close below began: RabbitMQ answers a frame on a channel it has closed
            # with CHANNEL_ERROR "expected 'channel.open'" and closes the whole connection, and the service's
            # start-up died of it (CI, several processes starting at once and logging). An ack begun before the
            # close is queued ahead of it (aiormq writes frames in order), so checking here, then acking at once,
            # is enough.
            if not closing:
                with contextlib.suppress(Exception):
                    await message.ack()
            if (message.headers or {}).get(MARKER_HEADER) == marker and not found.done():
                found.set_result(int(message.headers["x-stream-offset"]))  # type: ignore[arg-type]

        channel = await consume_log(projector.bus, projector.stream, 100, on_message, {"x-stream-offset": "next"})
        try:
            await channel.default_exchange.publish(
                aio_pika.Message(b"", headers={MARKER_HEADER: marker}), routing_key=projector.stream)
            return await found
        finally:
            closing = True
            with contextlib.suppress(Exception):
                await bounded(channel.close(), 5)
