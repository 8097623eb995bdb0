"""Replicas of every service on the cluster, the approval API included: tests/replicas' stack with API replicas
on ports of their own, the cluster's addresses and queue membership, and partitioned work queues."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.settings import BusSettings
from tests.hardening.stack import Driver, free_port, timer_queue
from tests.harness import delete_queues
from tests.noop.ledger import Ledger
from tests.replicas.conftest import ReplicaStack, request


def replica_names(replicas: Mapping[str, int]) -> list[str]:
    return [f"{service}#{n}" for service, count in replicas.items() for n in range(1, count + 1)]


def service_of(replica: str) -> str:
    return replica.split("#")[0]


@dataclass
class ClusterStack(ReplicaStack):
    api_ports: dict[str, int] = field(default_factory=dict)

    @property
    def apis(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.api_ports.values()]

    def _env(self, service: str) -> dict[str, str]:
        env = super()._env(service)
        env["GREENLIGHT_PARTITIONS"] = str(self.bus.partitions)
        env["GREENLIGHT_PARTITION_CHECK_INTERVAL"] = str(self.bus.partition_check_interval)
        if self.bus.queue_replicas is not None:
            env["GREENLIGHT_QUEUE_REPLICAS"] = str(self.bus.queue_replicas)
        return env

    def start(self, service: str) -> None:
        if service_of(service) == "approval":  # each API replica on its own port, kept across restarts
            port = self.api_ports.setdefault(service, free_port())
            self.env.update(GREENLIGHT_API_PORT=str(port), GREENLIGHT_NOOP_PORT=str(port))
        try:
            super().start(service)
        finally:
            for key in ("GREENLIGHT_API_PORT", "GREENLIGHT_NOOP_PORT"):
                self.env.pop(key, None)


@contextlib.asynccontextmanager
async def cluster_stack(bus: BusSettings, tmp: Path, replicas: Mapping[str, int], **env: str,
                        ) -> AsyncIterator[ClusterStack]:
    stack = ClusterStack(bus, tmp / "ledger.sqlite", tmp / "logs", env=dict(env))
    Ledger(str(stack.ledger_path)).close()  # schema and WAL mode before several processes race to make them
    try:
        for name in replica_names(replicas):
            stack.start(name)
        await stack.up()
        yield stack
    finally:
        await asyncio.to_thread(stack.stop_all)
        await delete_queues(bus, timer_queue(bus))


async def ship(driver: Driver, app: str, commit: str) -> Release:
    """Request (a 409 for the app's previous release, which the API may still count in flight, is asked again),
    approve when staged, and return the release once it ended."""
    release_id = await request(driver, app, commit)
    staged = await driver.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
    if staged.state is S.FAILED:
        return staged
    await driver.approve(release_id)
    return await driver.wait(release_id, S.LIVE, S.FAILED)
