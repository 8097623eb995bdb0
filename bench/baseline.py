"""What the broker alone costs: bare aio-pika chains shaped like a release, and CPU accounting.

A bare release is what Greenlight's protocol asks of RabbitMQ with no Greenlight code: 10 confirmed
persistent publishes into a topic exchange, each kept by a stream (the log) read by two consumers,
four of them also queued in a quorum work queue whose consumer publishes the next two (the approval
is published by a log reader, as a person's POST would be after reading `awaiting_approval`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, AbstractIncomingMessage, AbstractQueue

URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
BODY = b'"pad": "' + b"x" * 1800 + b'"}'  # about the size of a release event
HOPS = 4  # builder, pusher, deployer, switcher
APPROVE_AFTER = 3  # the log reader approves when hop 3 (awaiting_approval) is logged


def _cpu(pattern: str, wanted: Callable[[str], bool], columns: slice) -> float:
    """Seconds in the /proc stat `columns` (after the command) of every entry matching `pattern` whose command
    `wanted` accepts."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob(pattern):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        if wanted(raw[raw.index("(") + 1:raw.rindex(")")]):
            total += sum(int(f) for f in raw[raw.rindex(")") + 2:].split()[columns]) / tick
    return total


def cpu_seconds(*names: str) -> float:
    """User + system CPU of every process whose command is one of `names` (and their children, reaped)."""
    return _cpu("[0-9]*/stat", lambda comm: comm in names, slice(11, 15))  # utime stime cutime cstime


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far."""
    return _cpu(f"{pid}/stat", lambda comm: True, slice(11, 13))


def thread_cpu_seconds(prefix: str) -> float:
    """User + system CPU of every thread (of any process) whose OS name starts with `prefix`."""
    return _cpu("[0-9]*/task/[0-9]*/stat", lambda comm: comm.startswith(prefix), slice(11, 13))  # utime stime


class CpuMeter:
    """CPU seconds spent by the broker, by Python processes, by the threads named `threads` (if given) and by
    PostgreSQL's server processes between start() and stop()."""

    def __init__(self, threads: str | None = None) -> None:
        self.threads = threads

    def _threads(self) -> float:
        return thread_cpu_seconds(self.threads) if self.threads else 0.0

    def start(self) -> None:
        self.broker, self.python, self.wall = cpu_seconds("beam.smp"), cpu_seconds("python"), time.perf_counter()
        self.named, self.postgres = self._threads(), cpu_seconds("postgres")

    def stop(self) -> tuple[float, float, float]:
        self.named, self.postgres = self._threads() - self.named, cpu_seconds("postgres") - self.postgres
        return (cpu_seconds("beam.smp") - self.broker, cpu_seconds("python") - self.python,
                time.perf_counter() - self.wall)


def per_release(name: str, releases: int, meter: tuple[float, float, float]) -> str:
    broker, python, wall = meter
    return (f"{name}: {releases / wall:.0f} releases/s; CPU per release: broker {broker / releases * 1000:.1f} ms, "
            f"python {python / releases * 1000:.1f} ms (broker alone at 100 releases/s: "
            f"{broker / releases * 100:.2f} cores)")


async def bare_throughput(n: int, rate: float | None = None, *, processes: bool = False
                         ) -> tuple[int, tuple[float, float, float]]:
    """`n` bare releases at once, or started `rate` a second (Greenlight's pace: the broker and the client batch
    less when messages come spread out, so a release costs them more); with `processes`, each hop's consumer and
    the second log reader in a process of its own, as Greenlight's services run (bench/bare_processes.py). How many
    finished and the CPU meter's reading."""
    from bench.bare_processes import consumers_as_processes  # it imports this module

    prefix = f"glbench.barerel.{uuid.uuid4().hex[:6]}."
    connection = await aio_pika.connect_robust(URL, client_properties={"connection_name": "glbench-bare"})
    meter = CpuMeter()
    done: dict[bytes, asyncio.Future[None]] = {}
    try:
        async with contextlib.AsyncExitStack() as consumers:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=16)
            exchange, stream = await declare_chain(channel, prefix, HOPS)
            if processes:
                await consumers.enter_async_context(consumers_as_processes(prefix))
            else:
                for hop in range(HOPS):
                    await consume_hop(channel, prefix, hop)
                await consume_log_copy(connection, prefix)  # the switcher's copy of the log
            log_channel = await connection.channel(publisher_confirms=True)
            await log_channel.set_qos(prefetch_count=2000)
            log_queue = await log_channel.get_queue(stream.name)

            async def on_log(message: AbstractIncomingMessage) -> None:
                await message.ack()
                if message.routing_key == "staged":  # a person approves what is staged
                    asyncio.create_task(publish(exchange, message.body, f"hop.{APPROVE_AFTER}"))  # noqa: RUF006
                elif message.routing_key == f"hop.{HOPS}" and not done[message.body].done():
                    done[message.body].set_result(None)

            await log_queue.consume(on_log, arguments={"x-stream-offset": "next"})
            bodies = [str(i).encode() + b'{' + BODY for i in range(n)]
            done.update((body, asyncio.get_running_loop().create_future()) for body in bodies)
            meter.start()
            starts = [functools.partial(publish, exchange, body, "hop.0") for body in bodies]
            if rate is None:
                await asyncio.gather(*(start() for start in starts))
            else:
                await _paced(starts, rate)
            await asyncio.wait_for(asyncio.gather(*done.values()), 600)
            return n, meter.stop()
    finally:
        await drop_chain(connection, prefix, HOPS)


async def declare_chain(channel: AbstractChannel, prefix: str, hops: int) -> tuple[AbstractExchange, AbstractQueue]:
    """The chain's topic exchange, its log (a stream bound to everything) and one quorum work queue a hop."""
    exchange = await channel.declare_exchange(f"{prefix}events", aio_pika.ExchangeType.TOPIC, durable=True)
    stream = await channel.declare_queue(f"{prefix}log", durable=True, arguments={"x-queue-type": "stream"})
    await stream.bind(exchange, "#")
    for hop in range(hops):
        queue = await channel.declare_queue(f"{prefix}q{hop}", durable=True, arguments={"x-queue-type": "quorum"})
        await queue.bind(exchange, f"hop.{hop}")
    return exchange, stream


async def publish(exchange: AbstractExchange, body: bytes, key: str) -> None:
    await exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), key)


async def consume_hop(channel: AbstractChannel, prefix: str, hop: int) -> None:
    """A worker of the bare protocol: each message on hop `hop`'s queue publishes that hop's two events."""
    exchange = await channel.get_exchange(f"{prefix}events", ensure=False)
    queue = await channel.get_queue(f"{prefix}q{hop}", ensure=False)

    async def forward(message: AbstractIncomingMessage) -> None:
        await publish(exchange, message.body, f"mid.{hop}")
        await publish(exchange, message.body, f"hop.{hop + 1}" if hop + 1 != APPROVE_AFTER else "staged")
        await message.ack()

    await queue.consume(forward)


async def consume_log_copy(connection: AbstractConnection, prefix: str) -> None:
    """A second reader of the log that only acks, as the switcher's read model follows it."""
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=2000)
    queue = await channel.get_queue(f"{prefix}log", ensure=False)

    async def on_log(message: AbstractIncomingMessage) -> None:
        await message.ack()

    await queue.consume(on_log, arguments={"x-stream-offset": "next"})


async def _paced(starts: list[Callable[[], Awaitable[None]]], rate: float) -> None:
    """Each start at its own moment, `rate` a second from now (not after the one before: no drift)."""
    loop = asyncio.get_running_loop()
    began, started = loop.time(), []
    for i, start in enumerate(starts):
        await asyncio.sleep(max(0.0, began + i / rate - loop.time()))  # pacing, not waiting for an event
        started.append(asyncio.create_task(start()))
    await asyncio.gather(*started)


async def bare_chain(n: int, hops: int) -> list[float]:
    """Publish -> `hops` consumers, each publishing two confirmed messages -> read back from a stream."""
    prefix = f"glbench.bare.{uuid.uuid4().hex[:6]}."
    connection = await aio_pika.connect_robust(URL)
    samples: list[float] = []
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange, stream = await declare_chain(channel, prefix, hops)
        for hop in range(hops):
            queue = await channel.get_queue(f"{prefix}q{hop}", ensure=False)

            async def forward(message: aio_pika.abc.AbstractIncomingMessage, hop: int = hop) -> None:
                await exchange.publish(aio_pika.Message(message.body, message_id="x"), f"mid.{hop}")
                await exchange.publish(aio_pika.Message(message.body, message_id="y"), f"hop.{hop + 1}")
                await message.ack()

            await queue.consume(forward)
        reader = await connection.channel()
        await reader.set_qos(prefetch_count=1000)
        seen: dict[bytes, asyncio.Future[None]] = {}

        async def on_log(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            await message.ack()
            if message.routing_key == f"hop.{hops}" and (waiter := seen.get(message.body)) and not waiter.done():
                waiter.set_result(None)

        log_queue = await reader.get_queue(stream.name)
        await log_queue.consume(on_log, arguments={"x-stream-offset": "next"})
        body = b"{" + b'"pad": "' + b"x" * 1800 + b'"}'  # about the size of a release event
        for i in range(n + 5):
            key = str(i).encode() + body
            seen[key] = asyncio.get_running_loop().create_future()
            started = time.perf_counter()
            await exchange.publish(aio_pika.Message(key), "hop.0")
            await asyncio.wait_for(seen[key], 10)
            if i >= 5:
                samples.append(time.perf_counter() - started)
    finally:
        await drop_chain(connection, prefix, hops)
    return samples


async def drop_chain(connection: aio_pika.abc.AbstractConnection, prefix: str, hops: int) -> None:
    # The chain's consumers go with their connection first: a queue deleted under one makes aiormq warn of a
    # consumer "cancelled by the broker", a dozen lines a round in the bench's output.
    await connection.close()
    async with await aio_pika.connect(URL) as dropper:
        channel = await dropper.channel()
        for name in (f"{prefix}log", *(f"{prefix}q{h}" for h in range(hops))):
            await channel.queue_delete(name)
        await channel.exchange_delete(f"{prefix}events")
