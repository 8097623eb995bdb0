"""How many replicas of a worker run, and how many hold fewer partitions than their floor share (claims.py).

Both are counted by the broker: each replica consumes `<queue>.replicas` while it runs, and `<queue>.hungry`
while it is below its floor; nothing is ever published to either, and declare-ok reports their consumers.
They are classic queues because quorum queues report no consumers in declare-ok (RabbitMQ 3.10). The channel
recovers: after a reconnect it declares both again and restores this replica's consumers on them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, AbstractRobustQueue

from services.shared.partitions import hungry_name, members_name


class Membership:
    def __init__(self, channel: AbstractRobustChannel, queue: str) -> None:
        self.channel = channel
        self.queue = queue
        self._hungry_queue: AbstractRobustQueue | None = None  # declared once: the channel keeps each declared
        self._hungry: str | None = None  # our consumer tag on <queue>.hungry, while we are

    async def join(self) -> None:
        members = await self.channel.declare_queue(members_name(self.queue), durable=False)
        await members.consume(_nothing_is_published_here, no_ack=True)

    async def replicas(self) -> int:
        return max(1, await self._count(members_name(self.queue)))

    @property
    def hungry(self) -> bool:
        """Whether we say we are hungry now."""
        return self._hungry is not None

    async def hungry_others(self) -> int:
        return await self._count(hungry_name(self.queue)) - self.hungry

    async def say_hungry(self, hungry: bool) -> None:
        if hungry and self._hungry is None:
            if self._hungry_queue is None:
                self._hungry_queue = await self.channel.declare_queue(hungry_name(self.queue), durable=False)
            self._hungry = await self._hungry_queue.consume(_nothing_is_published_here, no_ack=True)
        elif not hungry and self._hungry is not None and self._hungry_queue is not None:
            tag, self._hungry = self._hungry, None
            await self._hungry_queue.cancel(tag)

    async def fed_by(self, last_needed: bool, free: Callable[[], Awaitable[bool]]) -> bool:
        """Whether to try a claim. Hungry, we stop saying so before the claim that brings us to our floor (if `free()`
        says the partition is): its feeder (claims.py), seeing it taken, lets the next replica feed, which must not
        see us hungry still. Said after the claim, at the end of the check, a second replica gave one up meanwhile."""
        if not self.hungry or not last_needed:
            return True
        if not await free():
            return False
        await self.say_hungry(False)
        return True

    async def _count(self, queue: str) -> int:
        # Not robust: a recovering channel keeps every robust declaration, to redo after a reconnect, for good.
        declared = await self.channel.declare_queue(queue, durable=False, robust=False)
        return int(declared.declaration_result.consumer_count or 0)


async def _nothing_is_published_here(message: AbstractIncomingMessage) -> None:
    return None
