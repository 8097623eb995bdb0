"""`greenlight watch` against the real API: a logged event the read model did not fold (it carries a `note`) is no
step of the release. An abort recorded while a worker's step of the same seq was on its way to the log leaves that
step logged first, as a conflict; watch took it for where the release went, skipped the abort's `failed` (same seq)
and followed a release that had ended, for ever."""

from __future__ import annotations

import asyncio
import contextlib
import io

import pytest

from services.approval.settings import ApprovalSettings
from services.cli.client import GreenlightClient
from services.cli.sse import Reconnect
from services.cli.watch import watch_to_the_end
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.conftest import advance, api_client, reach, request_release

pytestmark = pytest.mark.timeout(60)


def watch(url: str, release_id: str) -> tuple[int, str, str]:
    """The watch command's work, in a thread: its exit code, stdout and stderr. One attempt after a drop: once the
    API is gone it ends (3) instead of retrying."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            GreenlightClient(url, "approver-token") as client:
        code = watch_to_the_end(client, release_id, Reconnect(attempts=1, sleep=lambda _: None))
    return code, out.getvalue(), err.getvalue()


async def test_an_abort_that_raced_a_workers_step_ends_the_watch(bus_settings: BusSettings) -> None:
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        release_id = (await request_release(client, "raced-abort"))["id"]
        await advance(client, release_id, S.BUILDING)
        building = await client.app[DATABASE].latest(release_id)
        assert building is not None
        # As `POST /abort` does: recorded (folded at once), then published. The builder's `built` of the same seq
        # reached the log in between: it is logged first and stored as a conflict.
        aborted = building.next(S.FAILED, actor="dev-approver",
                                error=ReleaseError(step="abort", reason="wrong commit"))
        await client.app[DATABASE].record(aborted, strict=True)
        await client.app[BUS].publish(building.next(S.BUILT, actor="builder"))
        await client.app[BUS].publish(aborted)
        # Followed from the log (offsets only), the abort's `failed` comes once the log's copy of it is folded, after
        # the `built` logged before it.
        await reach(client, release_id, S.FAILED)
        history = await client.app[DATABASE].history(release_id)
        assert all(e.offset is not None for e in history), history
        assert [(e.event.state, e.note) for e in sorted(history, key=lambda e: e.offset or 0)][-2:] == [
            (S.BUILT, "conflict"), (S.FAILED, None)]

        watching = asyncio.ensure_future(asyncio.to_thread(watch, str(client.make_url("")), release_id))
        done, _ = await asyncio.wait({watching}, timeout=15)
    code, out, err = await watching  # the API closed: a watch still going ends too
    assert done, f"watch never ended on a failed release (then exit {code}): {out}{err}"
    assert code == 1, out + err
    assert err.splitlines()[0] == "error: release failed at abort: wrong commit"
    assert "built" not in out, out
