"""The gate reads a release's latest event while the projector's batch holding its `awaiting_approval` commits:
the read's snapshot predates the commit, and by the time it returns the batch has left the projector's hands.
The decision continues the delivery the gate saw before its read, instead of waiting for a fold that already
happened and reading again. Its record finds that delivery stored and takes it as it is: only a service's own event
is compared with what is stored (a read of its body, a round trip on PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db import fold as fold_module
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, api_client
from tests.approval.test_decision_ahead_of_the_fold import staged_and_held, until_echoed
from tests.harness import HeldFold


async def test_a_batch_committing_during_the_gates_read_is_not_waited_for(settings: ApprovalSettings,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    bodies_read: list[tuple[str, int]] = []
    stored_body = fold_module._stored_body

    def counting(connection: object, key: tuple[str, int], variant: int) -> str:
        bodies_read.append(key)
        return stored_body(connection, key, variant)  # type: ignore[arg-type]

    monkeypatch.setattr(fold_module, "_stored_body", counting)
    async with api_client(settings.model_copy(update={"gate_catch_up": 60.0})) as client:
        database = client.app[DATABASE]
        release_id, fold = await staged_and_held(client)
        reads = commit_during_the_first_read(database, fold)

        response = await asyncio.wait_for(client.post(f"/releases/{release_id}/approve", headers=APPROVER), 10)
        assert response.status == 200, await response.text()
        assert (await response.json())["state"] == "approved"
        assert reads == [S.DEPLOYING]  # one read: its snapshot, and the delivery seen before it
        assert bodies_read == []  # `awaiting_approval`, stored by the batch meanwhile, was not read back

        await asyncio.wait_for(until_echoed(database, release_id, S.APPROVED), 15)
        history = await database.history(release_id)
        assert [h.event.state for h in history][-2:] == [S.AWAITING_APPROVAL, S.APPROVED]
        assert all(h.offset is not None for h in history)  # one row per event, with the log's offsets


def commit_during_the_first_read(database: ReleaseDatabase, fold: HeldFold) -> list[S]:
    """Make the gate's first `latest` return its snapshot only after the held batch committed and left the
    projector's hands; later reads are left alone. Returns the states the reads gave."""
    reads: list[S] = []
    read = database.latest

    async def snapshot_then_commit(release_id: str) -> ReleaseEvent | None:
        found = await read(release_id)
        assert found is not None
        reads.append(found.state)
        if len(reads) == 1:
            version = database.version
            fold.release.set()
            while database.arrivals is not None and database.arrivals(release_id):
                await asyncio.wait_for(database.changed(version, 5.0), 10)
                version = database.version
        return found

    database.latest = snapshot_then_commit  # type: ignore[method-assign]
    return reads
