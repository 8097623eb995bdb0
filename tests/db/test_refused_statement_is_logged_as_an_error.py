"""A batch the database refuses for a reason other than being away (a value it cannot hold, a constraint or a
trigger of the operator's, a bug in a statement) is logged as an error with its traceback and retried with the slow
backoff, as the README says of "anything else": it was a warning saying the projection would be retried, the same
line as a database restarting, every 5 s for good, and no traceback to find the event by."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from services.shared.bus import Bus
from services.shared.db import fold_loop as fold_loop_module
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain, projecting, publish_all
from tests.harness import wait_for_state


async def test_a_refused_statement_is_an_error_not_an_outage(bus: Bus, database: ReleaseDatabase,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    real = fold_loop_module.fold_batch_sync
    calls = 0

    def refused_twice(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls in (2, 3):  # the first batch after start-up's catch-up, and its first retry
            raise sa.exc.DataError("INSERT INTO events ...", {}, ValueError("value too long for type varchar(64)"))
        return real(*args)

    monkeypatch.setattr(fold_loop_module, "fold_batch_sync", refused_twice)
    with capture_logs() as logs:
        async with projecting(bus, database):
            await publish_all(bus, chain("r1"))
            await wait_for_state(database, "r1", S.AWAITING_APPROVAL, timeout=30)
    failed = [e for e in logs if e["event"].startswith("projection failed")]
    assert [(e["log_level"], e["retry_in"]) for e in failed] == [("error", 1.0), ("error", 2.0)], failed
    assert "value too long" in failed[0]["error"] and failed[0]["exc_info"] is not None
