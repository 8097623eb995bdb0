"""Replicas of every worker on one broker, with partitioned queues (services/shared/partitions.py)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.shared.settings import BusSettings
from tests.hardening.stack import REPOSITORY, Driver, TryAgain
from tests.harness import delete_queues
from tests.noop.ledger import Ledger
from tests.replicas.stack import ReplicaStack, delete_partitions

PARTITIONS = 4


@pytest.fixture
async def partitioned_bus(bus_settings: BusSettings) -> AsyncIterator[BusSettings]:
    """This test's bus with each worker's queue in PARTITIONS partitions; removes them afterwards."""
    bus = bus_settings.model_copy(update={"partitions": PARTITIONS, "partition_check_interval": 0.5})
    yield bus
    await delete_partitions(bus)


@contextlib.asynccontextmanager
async def replica_stack(bus: BusSettings, tmp: Path, replicas: dict[str, int], **env: str,
                        ) -> AsyncIterator[ReplicaStack]:
    stack = ReplicaStack(bus, tmp / "ledger.sqlite", tmp / "logs",
                         env={"GREENLIGHT_PARTITIONS": str(bus.partitions),
                              "GREENLIGHT_PARTITION_CHECK_INTERVAL": str(bus.partition_check_interval), **env})
    Ledger(str(stack.ledger_path)).close()
    try:
        stack.start("approval")
        for service, count in replicas.items():
            for n in range(1, count + 1):
                stack.start(f"{service}#{n}")
        await stack.up()
        yield stack
    finally:
        await asyncio.to_thread(stack.stop_all)
        await delete_queues(bus, f"{bus.queue_prefix}switcher.timers")


async def request(driver: Driver, app: str, commit: str) -> str:
    """A new release of `app` once the API no longer counts the app's previous one in flight (its read model
    may lag the observer's log): a 409 naming another commit's release is asked again, not taken as ours."""
    async def post() -> str:
        async with driver._client("requester-token") as client:
            response = await client.post("/releases", json={"app": app, "repository": REPOSITORY, "commit": commit})
        body = response.json()
        if response.status_code == 202:
            return str(body["id"])
        blocking = body.get("blocking_release") if response.status_code == 409 else None
        known = driver.store.releases.get(blocking) if blocking else None
        if known is not None and known.commit == hashlib.sha1(f"{REPOSITORY}#{commit}".encode()).hexdigest():
            return str(blocking)  # our own earlier attempt got through
        if blocking or response.status_code >= 500:
            raise TryAgain(response.text)
        raise AssertionError(f"POST /releases {app}: {response.status_code} {response.text}")

    return str(await driver._retrying(post))
