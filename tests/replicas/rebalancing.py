"""Watching replicas of one partitioned worker rebalance (claims.py): how many partitions each join moves, whether the
shares are balanced, and waiting on their checks, run by the test in a fixed order or on their own timers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from services.shared.claims import PATIENT_CHECKS, PartitionClaims
from services.shared.partitions import declare_partitions, hash_exchange_name
from services.shared.protocol import WORK_QUEUES, routing_key
from services.shared.settings import BusSettings
from tests.replicas.claimers import SERVICE


def count_claims(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every partition claimed from now on, in order (a hand-over is one claim by the next owner)."""
    claimed: list[str] = []
    claim = PartitionClaims._claim

    async def counting(self: PartitionClaims, name: str) -> bool:
        taken = await claim(self, name)
        if taken:
            claimed.append(name)
        return taken

    monkeypatch.setattr(PartitionClaims, "_claim", counting)
    return claimed


def balanced(replicas: list[PartitionClaims]) -> bool:
    counts = [len(claims.owned) for claims in replicas]
    held = {name for claims in replicas for name in claims.owned}
    partitions = len(replicas[0].partitions)
    return len(held) == partitions == sum(counts) and max(counts) - min(counts) <= 1


def given_up(replicas: list[PartitionClaims]) -> list[str]:
    """Partitions being handed over now (their messages still running)."""
    return [name for claims in replicas for name in claims.releasing]


async def a_round(replicas: list[PartitionClaims], *, drain: bool = True) -> None:
    """The replicas that were there check twice each, then the newest once (it is slow to get round to it)."""
    for claims in replicas[:-1]:
        await claims.check()
        await claims.check()
    await replicas[-1].check()
    for claims in replicas if drain else []:  # what was given up is released (nothing in flight)
        await claims.drained()


async def settle(replicas: list[PartitionClaims]) -> None:
    """Fixed-order rounds until the shares are balanced, then two patient rounds more (a late move would show)."""
    for _ in range(20):
        if balanced(replicas):
            break
        await a_round(replicas)
    for _ in range(2 * PATIENT_CHECKS):
        await a_round(replicas)
    assert balanced(replicas), [sorted(claims.owned) for claims in replicas]


async def until(replicas: list[PartitionClaims], test: Callable[[], bool], timeout: float = 30.0) -> None:
    """On real timers: until `test()` holds after any replica's check."""
    waits = [asyncio.create_task(claims.checked_until(test)) for claims in replicas]
    try:
        done, _ = await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        assert done, f"not after {timeout} s: {[sorted(claims.owned) for claims in replicas]}"
    finally:
        for wait in waits:
            wait.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*waits, return_exceptions=True)


async def checks(replicas: list[PartitionClaims], count: int, timeout: float = 30.0) -> None:
    """On real timers: until every replica has checked `count` more times (a late move would have been made)."""
    async with asyncio.timeout(timeout):
        for claims, done in [(claims, claims._checks + count) for claims in replicas]:
            await claims.checked_until(lambda claims=claims, done=done: claims._checks >= done)  # type: ignore[misc]


async def apps_by_partition(bus: BusSettings, candidates: int = 32) -> dict[str, list[str]]:
    """Which of `candidates` app names land in which partition of the worker's queue, asked of the broker's own hash
    ring before any replica consumes (as stack.apps_covering does)."""
    queue = bus.queue_prefix + SERVICE
    landed: dict[str, list[str]] = {}
    all_read = asyncio.Event()
    connection = await aio_pika.connect_robust(bus.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        await channel.declare_exchange(bus.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        names = await declare_partitions(connection, bus, queue, [routing_key("*", s) for s in WORK_QUEUES[SERVICE]])

        def reader(name: str) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
            async def read(message: AbstractIncomingMessage) -> None:
                landed.setdefault(name, []).append(str((message.headers or {})["app"]))
                if sum(map(len, landed.values())) == candidates:
                    all_read.set()
            return read

        for name in names:
            await (await channel.get_queue(name, ensure=False)).consume(reader(name), no_ack=True)
        ring = await channel.get_exchange(hash_exchange_name(queue))
        for n in range(candidates):
            await ring.publish(aio_pika.Message(b"probe", headers={"app": f"rep-{n}"}), routing_key="probe")
        await asyncio.wait_for(all_read.wait(), 60)
        await channel.close()
    return landed
