"""A fold that fails on something other than the database (a bug) is logged as an error and retried with backoff:
the projector never stops silently, which would stall the read model while this process holds the lease."""

from __future__ import annotations

import time
from itertools import pairwise
from typing import Any

import pytest
from structlog.testing import capture_logs

from services.shared.bus import Bus
from services.shared.db import fold_loop as fold_loop_module
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all, until_folded
from tests.harness import wait_for_state


async def test_an_unexpected_error_is_logged_and_the_batch_folded_after_it(
        bus: Bus, database: ReleaseDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    real = fold_loop_module.fold_batch_sync
    calls: list[float] = []

    def fails_twice(*args: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) in (2, 3):  # the first batch after start-up's catch-up, and its first retry
            raise RuntimeError("a bug in the fold")
        return real(*args)

    monkeypatch.setattr(fold_loop_module, "fold_batch_sync", fails_twice)
    with capture_logs() as logs:
        async with projecting(bus, database) as projector:
            await publish_all(bus, chain("r1"))
            await wait_for_state(database, "r1", S.AWAITING_APPROVAL, timeout=30)
            await until_folded(projector, 7)
            assert projector.folded.new == 7
    errors = [e for e in logs if e["log_level"] == "error"]
    assert [e["event"] for e in errors] == ["projection failed on an unexpected error; retrying"] * 2
    assert "a bug in the fold" in errors[0]["error"]
    assert [e["retry_in"] for e in errors] == [1.0, 2.0]
    # The logged delays are only what the projector meant to wait: the retries themselves must come that late
    # (lower bounds only, so a loaded machine cannot fail them), else a tight retry loop would pass.
    gaps = [later - earlier for earlier, later in pairwise(calls)]
    assert len(gaps) >= 3 and gaps[1] >= 0.9 and gaps[2] >= 1.9, gaps
