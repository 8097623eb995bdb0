"""A pre-promotion analysis whose handler fails on every delivery is given up on its last allowed one. The give-up
now reads the release log first for every give-up (giveup.py `failing`; before the session only the give-up past the
delivery limit did), and a read that fails requeues the message. The stream unreadable for about ten seconds (five
reads here, deliveries 5 to 9, GIVE_UP_BACKOFF apart) spends the deliveries the broker allows past the consumer's own
limit (BROKER_DELIVERY_MARGIN, 3): the broker dead-letters the message itself, nothing settles the release, and no
deadline covers `analysing` (the deploy step's ends at `deploying`): the release holds its app for good. Before, this
give-up published `failed` from the message's own event at once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from services.analysis.handlers import Analyst
from services.shared import giveup
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.fake_k8s.scenario import tap
from tests.harness import dead_letters, make_release

UNREADABLE_READS = 5  # the log unreadable for the give-up's first five reads (about ten seconds), readable after


async def test_a_give_up_whose_first_log_reads_fail_still_settles_the_release(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = f"copy-{uuid.uuid4().hex[:8]}"
    step, read = Analyst._step, giveup.latest_event
    reads: list[str] = []

    async def failing_step(self: Analyst, event: ReleaseEvent, bus: Bus) -> None:
        if event.release_id == rid:
            raise RuntimeError("the probe's client broke")  # not an outage: a failed delivery each time
        await step(self, event, bus)

    async def stalled_log(bus: Bus, release_id: str, since: datetime, **kw: Any) -> ReleaseEvent | None:
        if release_id == rid:
            reads.append(release_id)
            if len(reads) <= UNREADABLE_READS:
                raise TimeoutError("the release log did not answer")
        return await read(bus, release_id, since, **kw)

    monkeypatch.setattr(Analyst, "_step", failing_step)
    monkeypatch.setattr(giveup, "latest_event", stalled_log)
    async with tap(bus_settings, patience=60) as events, analysis(bus_settings) as app:
        bus = app[BUS]
        await bus.publish(analysing(rid, "http://127.0.0.1:9/", http_check(interval=0.05, count=1)))
        await dead_letters(bus_settings, 1, timeout=60)  # given up, by the consumer or by the broker
        # A barrier: whatever the give-up published before the message was dead-lettered is on the tap before this.
        marker = f"marker-{uuid.uuid4().hex[:8]}"
        await bus.publish(ReleaseEvent(release_id=marker, app="demo", seq=1, state=S.REQUESTED, actor="test",
                                       release=make_release(marker)))
        await events.wait(marker, S.REQUESTED)

    settled = [(e.seq, e.state.value) for e in events.events if e.release_id == rid and e.seq > 7]
    assert settled, (
        f"the analysis of {rid} was given up and dead-lettered ({len(reads)} log reads, {UNREADABLE_READS} of them "
        f"failed) and nothing settled the release: it stays `analysing`, holding its app, with no deadline to fail "
        f"it. History: {events.of(rid)}")
