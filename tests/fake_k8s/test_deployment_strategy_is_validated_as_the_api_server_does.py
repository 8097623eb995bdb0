"""The fake API server defaults and validates a Deployment's `spec.strategy` as a real one does.

It took any strategy: a JSON merge patch setting `type: Recreate` alone (the defaulted `rollingUpdate` left beside
it) was stored, where a real API server answers 422, so a test against the fake could not tell a patch a cluster
refuses. Against a real cluster (KUBECONFIG set) the same answers are checked there.
"""

from __future__ import annotations

import pytest

from services.shared.kube.api_errors import Invalid
from services.shared.kube.client import MERGE_PATCH, Kind
from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref
from tests.harness import SHA

pytestmark = pytest.mark.cluster
NAME = f"{APP}-blue"
STRATEGIC = "application/strategic-merge-patch+json"


def strategy(**fields: object) -> dict[str, object]:
    return {"spec": {"strategy": fields}}


async def test_recreate_beside_a_rolling_update_is_refused(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        await platform.ensure_app(app_ref(kube))
        await platform.deploy(app_ref(kube), Colour.BLUE, Rollout("r1", SHA, kube.images[0]), 1)
        api = platform.api

        with pytest.raises(Invalid) as refused:
            await api.patch(Kind.DEPLOYMENT, kube.namespace, NAME, strategy(type="Recreate"), MERGE_PATCH)
        assert "spec.strategy.rollingUpdate: Forbidden" in refused.value.message, refused.value.message
        assert "'Recreate'" in refused.value.message, refused.value.message

        # kubectl's way: a strategic merge patch that keeps only the listed keys of the strategy
        patched = await api.patch(Kind.DEPLOYMENT, kube.namespace, NAME,
                                  strategy(**{"$retainKeys": ["type"], "type": "Recreate"}), STRATEGIC)
        assert patched["spec"]["strategy"] == {"type": "Recreate"}

        with pytest.raises(Invalid) as refused:
            await api.patch(Kind.DEPLOYMENT, kube.namespace, NAME,
                            strategy(type="RollingUpdate", rollingUpdate={"maxSurge": 0, "maxUnavailable": 0}),
                            MERGE_PATCH)
        assert "may not be 0 when `maxSurge` is 0" in refused.value.message, refused.value.message
        with pytest.raises(Invalid) as refused:
            await api.patch(Kind.DEPLOYMENT, kube.namespace, NAME,
                            strategy(type="RollingUpdate", rollingUpdate={"maxUnavailable": "101%"}), MERGE_PATCH)
        assert "must not be greater than 100%" in refused.value.message, refused.value.message

        # RollingUpdate with no parameters: both defaulted
        patched = await api.patch(Kind.DEPLOYMENT, kube.namespace, NAME, strategy(type="RollingUpdate"), MERGE_PATCH)
        assert patched["spec"]["strategy"] == {"type": "RollingUpdate",
                                               "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
