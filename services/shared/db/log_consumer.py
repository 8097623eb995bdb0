"""The projector's consumer of the release log's stream, kept consuming whatever happens to the stream.

A consumer the broker cancels (the stream deleted) or a channel lost (a reconnect) is consumed again, the stream
declared again if it is gone. The database is the archive (issue 12): a stream that replaced the one folded (deleted
by an operator, lost with its nodes, a broker created anew) starts its offsets at 0 again, so the projector folds it
from its start and stores its events after every offset the database holds (FoldLoop.base: the database's offset of
the stream's offset 0, kept in the projection row `<stream>#replaced`). A replacement is seen when the stream is
found gone, or when it ends before the offset folded through (offsets never go back). One that has grown past that
offset while no process projected it is not told apart from the stream it replaced: its first events are not folded.
"""

from __future__ import annotations

import asyncio
import contextlib

import aio_pika
import sqlalchemy as sa
import structlog
from aio_pika.abc import AbstractChannel

from services.shared.bus import Bus
from services.shared.db.fold_loop import RETRY_LIMIT, FoldLoop
from services.shared.db.logend import log_end
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.releaselog import consume_stream
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded
from services.shared.topology import declare_log_stream, log_stream_exists

log = structlog.get_logger(__name__)
END_TIMEOUT = 30.0  # seconds to read back a marker that tells where the stream ends (a stream with no leader: never)
_FOLDED_UP_TO = sa.select(projection.c.log_offset).where(projection.c.stream == sa.bindparam("s"))


class LogConsumer(FoldLoop):
    def __init__(self, bus: Bus, database: ReleaseDatabase, batch_size: int, linger: float) -> None:
        super().__init__(database, bus.settings.log_stream, batch_size, linger)
        self.bus = bus
        self._channel: AbstractChannel | None = None
        self._again: asyncio.Task[None] | None = None  # consuming the stream again after its consumer was lost

    async def folded_up_to(self) -> int:
        # Through the reader threads: a standby asks this 20 times a second.
        rows = await self.database.keyed(_FOLDED_UP_TO, {"s": self.stream})
        return int(rows[0][0]) if rows else -1

    async def _resume_at(self, stored: int) -> int | str:
        """Where to read the stream from: after the database offset `stored`; or the start of a stream that replaced
        the one folded (deleted, lost with its nodes, a broker created anew): found gone (declared again here), or
        ending before what was folded, as offsets never go back. The new one's events are stored after the old."""
        deleted = not await log_stream_exists(self.bus.connection, self.bus.settings)
        # Declared and bound at every try, found or not: after a reconnect aio-pika says the connection is ready
        # before its robust channels have declared the exchange again, so a try can declare the stream and fail to
        # bind it; the next one finds it, and unbound it refused every event as unroutable for good.
        await declare_log_stream(self.bus.connection, self.bus.settings)
        resume = stored - self.base + 1
        if resume > 0 and (deleted or await bounded(log_end(self.bus, self.stream), END_TIMEOUT) < resume):
            log.error("the release log's stream was replaced: the database keeps every release, and the new "
                      "stream is folded from its start", stream=self.stream, folded_through=stored,
                      new_stream_from=stored + 1)
            self.base, self._base_unsaved, resume = stored + 1, True, 0
        return resume if resume > 0 else "first"

    async def _open_channel(self) -> AbstractChannel:
        # A plain channel: aio-pika consumes a robust one's stream again only if it still exists (a passive
        # declare, which failed every reconnect once it was gone), and from the old stream's offset into a new one.
        channel = aio_pika.Channel(self.bus.connection)
        await channel.initialize()
        await channel.set_qos(prefetch_count=2 * self.batch_size)
        channel.close_callbacks.add(lambda closed, exc: self._lost(closed, f"its channel closed: {exc!r}"[:300]))
        (await channel.get_underlay_channel()).on_consumer_cancel_callbacks.add(
            lambda _: self._lost(channel, "the broker cancelled the consumer: the stream was deleted"))
        return channel

    def _lost(self, channel: object, why: str) -> None:
        # A connection closed by its owner (the service stopping) is nothing to consume again, nor one closed by the
        # loop's last sweep of tasks (a start that failed unwinds no cleanup_ctx): a task made then outlives the loop.
        if channel is self._channel and not self._stopping and not self.bus.connection.close_called \
                and self._following():
            log.warning("release log consumer lost; consuming the stream again", stream=self.stream, why=why)
            self._channel = None
            self._again = asyncio.create_task(self._consume_again(channel), name="projector-consume-again")

    async def _consume_from_stored(self) -> None:
        await self.bus.connection.ready()
        # Past what this process has folded or holds to fold: those deliveries are folded from memory.
        stored = max(await self.folded_up_to(), self.folded_to, *self._offsets)
        self._arguments["x-stream-offset"] = await self._resume_at(stored)
        self._channel = await consume_stream(self._open_channel, self.stream, self._on_message, self._arguments)

    def _following(self) -> bool:
        """Whether the deliveries are still wanted (Projector: its fold worker runs and is not being cancelled)."""
        return True

    async def _consume_again(self, old: object) -> None:
        # Every broker call here through `on_the_broker`: a connection found stuck cancels the calls in flight, and
        # that CancelledError, nobody's cancellation, ended this task without a word, the process leading and
        # folding nothing ever again (as it once ended a standby's takeover: stuck.py).
        if isinstance(old, aio_pika.Channel):  # a cancelled consumer's channel stays open
            with contextlib.suppress(Exception):
                await bounded(on_the_broker(old.close()), 5)
        pause = 0.2
        while self._channel is None and not self._stopping and not self.bus.connection.close_called:
            try:
                await on_the_broker(self._consume_from_stored())
            except Exception as exc:  # the broker or the database away: tried again, never given up
                log.warning("could not consume the release log again; retrying", error=repr(exc)[:300], pause=pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_LIMIT)
