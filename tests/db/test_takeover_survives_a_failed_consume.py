"""A standby takes the lease over while the broker refuses its consumer (the broker away as the leader dies): it
tries again, and the second try starts only what the first did not, never a second folding worker."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aio_pika
import pytest

from services.shared.bus import Bus
from services.shared.db import projector as projector_module
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def test_a_takeover_whose_consume_failed_folds_once(bus: Bus, database: ReleaseDatabase,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    real = projector_module.consume_stream
    refused: list[str] = []

    async def refuses_once(*args: Any, **kwargs: Any) -> Any:
        if not refused:
            refused.append("once")
            raise aio_pika.exceptions.AMQPConnectionError("broker away")
        return await real(*args, **kwargs)

    async with projecting(bus, database, lease_interval=0.2) as first:
        async with projecting(bus, database, lease_interval=0.2) as second:
            assert first.leading and not second.leading
            monkeypatch.setattr(projector_module, "consume_stream", refuses_once)
            await first.stop()
            gone = time.monotonic()
            await publish_all(bus, chain("r1"))
            await publish_all(bus, chain("r2", app="other"))
            await wait_for_state(database, "r1", S.AWAITING_APPROVAL, timeout=15)
            await wait_for_state(database, "r2", S.AWAITING_APPROVAL, timeout=15)
            assert refused and second.leading
            assert time.monotonic() - gone < 5
            workers = [t for t in asyncio.all_tasks() if t.get_name() == "projector" and not t.done()]
    assert len(workers) == 1, "two workers folding one log"
    assert second.folded.new == 14 and second.folded.duplicates == 0
