"""Several processes per worker (the hardening ProcessStack's), and removing a partitioned bus's queues."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from services.shared.partitions import (
    PARTITIONED,
    declare_partitions,
    hash_exchange_name,
    hungry_name,
    members_name,
    partition_names,
)
from services.shared.protocol import WORK_QUEUES, routing_key
from services.shared.settings import BusSettings
from services.shared.topology import retry_delays, retry_queue_name
from tests.hardening.stack import REPO, ProcessStack
from tests.harness import delete_queues


class ReplicaStack(ProcessStack):
    """The hardening ProcessStack with several processes per worker, named `<service>#<n>`."""

    def start(self, service: str) -> None:
        program = service.split("#")[0]
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / f"{service}.log", "ab") as log:
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", "tests.noop.serve", program], cwd=REPO, env=self._env(program),
                stdout=log, stderr=subprocess.STDOUT)
        self.starts[service] = self.starts.get(service, 0) + 1

    async def up(self, *names: str) -> None:
        """Until each named process (all by default) has logged `serving` once per start: its partitions are
        claimed and it counts as a replica."""
        async with asyncio.timeout(300):  # nine Python processes starting at once on a loaded box are slow
            for name in names or tuple(self.processes):
                while (self.logs / f"{name}.log").read_text(errors="replace").count('"event": "serving"') \
                        < self.starts[name]:
                    assert self.processes[name].poll() is None, \
                        f"{name} exited: {(self.logs / f'{name}.log').read_text(errors='replace')[-3000:]}"
                    await asyncio.sleep(0.05)  # polling another process's log file; nothing to await instead

    def pids(self, service: str) -> dict[int, str]:
        return {p.pid: name for name, p in self.processes.items() if name.split("#")[0] == service}


async def delete_partitions(bus: BusSettings) -> None:
    """Every worker's partitions, their retry queues, the replica counters and the hash exchanges."""
    names: list[str] = []
    for service in PARTITIONED:
        base = bus.queue_prefix + service
        names += [members_name(base), hungry_name(base)]
        for partition in partition_names(base, bus.partitions):
            names += [partition, *(retry_queue_name(partition, delay) for delay in retry_delays(bus))]
    await delete_queues(bus, *names)
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        for service in PARTITIONED:
            await channel.exchange_delete(hash_exchange_name(bus.queue_prefix + service))


async def apps_covering(bus: BusSettings, wanted: int, candidates: int = 64) -> list[str]:
    """At least `wanted` app names that together land in every partition of every worker, found by asking the
    broker's own hash ring (it depends on the partitions' names, so on the test): a probe per candidate goes
    through each worker's ring before any replica consumes, and is read back from the partition it reached.
    Without this, a replica may own only partitions no test app hashes to and do no work, by chance."""
    connection = await aio_pika.connect_robust(bus.amqp_url.get_secret_value())
    landed: dict[str, set[tuple[str, str]]] = {f"rep-{n}": set() for n in range(candidates)}
    async with connection:
        channel = await connection.channel()
        await channel.declare_exchange(bus.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        rings: dict[str, list[str]] = {}
        for service in sorted(PARTITIONED):
            keys = [routing_key("*", state) for state in WORK_QUEUES[service]]
            rings[service] = await declare_partitions(connection, bus, bus.queue_prefix + service, keys)
        all_read = asyncio.Event()
        expected = candidates * len(rings)

        def reader(service: str, name: str) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
            async def read(message: AbstractIncomingMessage) -> None:
                landed[str((message.headers or {})["app"])].add((service, name))
                if sum(map(len, landed.values())) == expected:
                    all_read.set()
            return read

        for service, names in rings.items():
            for name in names:
                await (await channel.get_queue(name, ensure=False)).consume(reader(service, name), no_ack=True)
        for service in rings:
            ring = await channel.get_exchange(hash_exchange_name(bus.queue_prefix + service))
            for app in landed:
                await ring.publish(aio_pika.Message(b"probe", headers={"app": app}), routing_key="probe")
        await asyncio.wait_for(all_read.wait(), 60)
        await channel.close()
    uncovered = {(service, name) for service, names in rings.items() for name in names}
    chosen: list[str] = []
    for app, reached in landed.items():
        if reached & uncovered or len(chosen) < wanted:
            chosen.append(app)
            uncovered -= reached
        if not uncovered and len(chosen) >= wanted:
            break
    assert not uncovered, f"no app of {candidates} candidates lands in {sorted(uncovered)}"
    return chosen
