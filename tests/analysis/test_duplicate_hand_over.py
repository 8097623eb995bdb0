"""A hand-over delivered again after the analysis moved past it (the deployer re-emitting `analysing` on a
redelivery) is not measured again: one chain of measurements, one verdict."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving


async def test_a_repeated_hand_over_starts_no_second_chain(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        start = analysing("r1", url + "/", http_check(interval=0.3, count=3))
        await app[BUS].publish(start)
        await events.wait("r1", S.ANALYSING, count=2)  # measured once: the service is past the hand-over
        await app[BUS].publish(start)  # the same message again
        verdicts = await events.wait("r1", S.AWAITING_APPROVAL)
    # A second chain would have measured at once on the repeat (its first measurement is due at the start),
    # well before the first chain's verdict, 2 intervals later.
    assert len(verdicts) == 1 and target.served == ["good"] * 3
    assert [seq for state, seq in events.of("r1") if state is S.ANALYSING] == [7, 8, 7, 9]
