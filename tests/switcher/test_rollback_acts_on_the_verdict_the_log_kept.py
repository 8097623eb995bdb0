"""Two analysis replicas handed one `verifying` twice may publish two verdicts with one seq: `live` from one and
`rolling_back` from the other. The read model keeps the first the log holds and stores the other as a conflict;
the switcher, which consumes its work queue and not the read model, must act on that same one: a rollback of a
release the read model shows live would leave the two saying different things (and users on the old release)."""

from __future__ import annotations

import pytest

from services.shared.analysis_spec import AnalysisSpec
from services.shared.db.runtime import DATABASE
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.handlers import Switcher
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import SPEC, event, make_live, service, stage
from tests.switcher.running import Handled, logged, switcher

pytestmark = pytest.mark.cluster
CHECK = {"name": "health", "http": {"path": "/"}}


@pytest.mark.parametrize("kept", [S.LIVE, S.ROLLING_BACK])
async def test_only_the_verdict_the_log_kept_is_acted_on(bus_settings: BusSettings, kube: KubeTarget,
                                                         monkeypatch: pytest.MonkeyPatch, kept: S) -> None:
    handled = Handled(monkeypatch, Switcher)
    spec = SPEC.model_copy(update={"namespace": kube.namespace,
                                   "analysis": AnalysisSpec.model_validate({"post": [CHECK]})})
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await stage(platform, kube, Colour.GREEN, "r2", kube.images[1], ColourStatus.AWAITING_APPROVAL)
        await logged(app, event("r1", S.LIVE, kube, image=kube.images[0], standby_colour=Colour.BLUE))
        await app[BUS].publish(event("r2", S.APPROVED, kube, spec=spec, image=kube.images[1], previous_release="r1",
                                     live_colour=Colour.BLUE, standby_colour=Colour.GREEN, approver="carol"))
        verifying = (await events.wait("r2", S.VERIFYING))[0]
        passed = verifying.next(S.LIVE, actor="analysis", details={"analysis": {"verdict": "successful"}})
        failed = verifying.next(S.ROLLING_BACK, actor="analysis",
                                details={"reason": "post-promotion analysis failed: check health"})
        first, second = (passed, failed) if kept is S.LIVE else (failed, passed)

        await app[BUS].publish(first)
        await app[BUS].publish(second)
        await handled.wait("r2", S.ROLLING_BACK)
        if kept is S.ROLLING_BACK:
            await events.wait("r2", S.ROLLED_BACK)
        selector = (await service(platform, kube))["spec"]["selector"]["role"]
        release = await app[DATABASE].get("r2")

    assert release is not None
    if kept is S.LIVE:
        assert selector == "green"
        assert release.state is S.LIVE
        assert (S.ROLLED_BACK, 12) not in events.of("r2")
    else:
        assert selector == "blue"
        assert release.state is S.ROLLED_BACK
