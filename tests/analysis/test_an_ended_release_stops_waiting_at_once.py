"""A release that ends (aborted through the API, past a deadline, failed elsewhere) while its analysis waits for
the next measurement stops waiting at once: its message is settled, its prefetch slot free for the next release's
analysis. The wait went on to its end (up to an interval, 900 s at most), holding both, and only then did the
publish refuse the measurement."""

from __future__ import annotations

import uuid

from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving

INTERVAL = 900.0  # what a handler would otherwise wait for a second measurement
PATIENCE = 10.0


def aborted(event: ReleaseEvent) -> ReleaseEvent:
    """What the API publishes for `POST /releases/{id}/abort`."""
    return event.next(S.FAILED, actor="ann", details={"aborted_by": "ann"},
                      error=ReleaseError(step="abort", reason="aborted by ann"))


async def test_an_aborted_release_frees_its_slot_at_once(bus_settings: BusSettings) -> None:
    ended, holding, other = (f"{name}-{uuid.uuid4().hex[:8]}" for name in ("abort", "hold", "next"))
    two_at_a_time = bus_settings.model_copy(update={"prefetch": 2})
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings, PATIENCE) as events, \
            analysis(two_at_a_time) as app:
        waiting = {}
        # Both slots held by handlers waiting for a second measurement. The second release's messages come after
        # the first's seq 8, whose handler reaches its wait without any I/O: it is waiting once they are handled.
        for rid in (ended, holding):
            await app[BUS].publish(analysing(rid, url + "/", http_check(interval=INTERVAL, count=2)))
            waiting[rid] = (await events.wait(rid, S.ANALYSING, count=2))[1]
        await app[BUS].publish(aborted(waiting[ended]))
        await app[BUS].publish(analysing(other, url + "/", http_check(count=1)))
        verdict = (await events.wait(other, S.AWAITING_APPROVAL, S.FAILED))[0]  # within PATIENCE, not INTERVAL
        await app[BUS].publish(aborted(waiting[holding]))  # its slot freed too: the service stops at once
        await events.wait(holding, S.FAILED)
    assert verdict.state is S.AWAITING_APPROVAL
    assert events.of(ended) == events.of(holding) == [(S.ANALYSING, 7), (S.ANALYSING, 8), (S.FAILED, 9)]
    assert target.served == ["good"] * 3  # each release's first measurement, no second one
