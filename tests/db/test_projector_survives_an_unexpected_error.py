"""A fold that fails on something other than the database (a bug) is logged as an error and retried with backoff:
the projector never stops silently, which would stall the read model while this process holds the lease."""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from services.shared.bus import Bus
from services.shared.db import projector as projector_module
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def test_an_unexpected_error_is_logged_and_the_batch_folded_after_it(
        bus: Bus, database: ReleaseDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    real = projector_module.fold_batch_sync
    calls: list[int] = []

    def fails_once(*args: Any) -> Any:
        calls.append(len(args[2]))
        if len(calls) == 2:  # the first batch after start-up's catch-up
            raise RuntimeError("a bug in the fold")
        return real(*args)

    monkeypatch.setattr(projector_module, "fold_batch_sync", fails_once)
    with capture_logs() as logs:
        async with projecting(bus, database) as projector:
            await publish_all(bus, chain("r1"))
            await wait_for_state(database, "r1", S.AWAITING_APPROVAL, timeout=30)
            assert projector.folded.new == 7
    errors = [e for e in logs if e["log_level"] == "error"]
    assert [e["event"] for e in errors] == ["projection failed on an unexpected error; retrying"]
    assert "a bug in the fold" in errors[0]["error"] and errors[0]["retry_in"] == 1.0
    assert len(calls) >= 3
