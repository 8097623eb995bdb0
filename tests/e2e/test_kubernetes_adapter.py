"""The same release, end to end, with the deployer and switcher on the Kubernetes adapter (the fake API
server from tests/fake_k8s, or a real cluster when KUBECONFIG is set) instead of the local platform."""

from __future__ import annotations

from pathlib import Path

from services.shared.platform import AppRef, ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.e2e.stack import running_stack
from tests.e2e.test_release_goes_live import HAPPY
from tests.fake_k8s.fixtures import KubeTarget
from tests.fixtures_repo import FixtureRepo


async def test_release_goes_live_on_kubernetes(bus_settings: BusSettings, engine_url: str, registry: str,
                                               kube: KubeTarget, work: Path, repo: FixtureRepo,
                                               app_name: str, images_cleanup: None) -> None:
    commit = repo.git("rev-parse", "HEAD")
    async with running_stack(bus_settings, engine_url, work, kube.platform) as stack:
        release_id = await stack.release(app_name, repo.url, commit)
        staged = await stack.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
        assert staged.state is S.AWAITING_APPROVAL, staged.error
        async with kube.platform() as platform:
            before = await platform.read(AppRef(app_name))
        assert (await stack.decide(release_id, "approve")).status_code == 200
        live = await stack.wait(release_id, S.LIVE, S.FAILED)
        async with kube.platform() as platform:
            after = await platform.read(AppRef(app_name))

    assert [e.state for e in await stack.history(release_id)] == HAPPY, live.error
    assert staged.preview and before.preview is Colour.BLUE and before.live is None
    assert after.live is Colour.BLUE and after.live_release == release_id
    blue = after.colour(Colour.BLUE)
    assert blue is not None and blue.status is ColourStatus.LIVE and blue.image == staged.image
    assert blue.commit == commit and blue.replicas == 1
