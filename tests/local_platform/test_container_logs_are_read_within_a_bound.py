"""A colour that is not ready gets the tail of its container's logs in the failure's reason. With podman's k8s-file
logs, `tail` reads the whole file: a hostile app that printed 20 MB without a newline took 13 s to answer (50 MB:
60 s), and the deployer's "not ready" path waited that long, with no bound. The logs only decorate the reason, so
past a few seconds there are none."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from services.shared.local.containers import LOGS_WITHIN, EngineContainers


class SlowLogs:
    """An engine whose log call does not answer (a container's enormous k8s-file log being scanned)."""

    class _Container:
        async def log(self, **_: Any) -> list[str]:
            await asyncio.sleep(3600)
            return []

    class _Containers:
        def container(self, name: str) -> SlowLogs._Container:
            return SlowLogs._Container()

    containers = _Containers()


async def test_logs_that_do_not_come_are_none() -> None:
    engine = EngineContainers(SlowLogs(), pull_auth=None, podman_cgroups="")  # type: ignore[arg-type]
    began = time.monotonic()
    assert await asyncio.wait_for(engine.logs("demo-blue", 40), LOGS_WITHIN + 5) == ""
    assert time.monotonic() - began < LOGS_WITHIN + 1
