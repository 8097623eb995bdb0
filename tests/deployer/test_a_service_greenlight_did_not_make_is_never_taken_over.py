"""A Service of the app's live or preview name that Greenlight did not make is refused, never rewritten.

`ensure_app` found `<app>-service` (another team's, serving its own pods) and kept it as the app's live pointer: it
pointed the Service's port at the named port `http`, and the release's switch would have pointed its selector at
Greenlight's pods, taking that team's traffic. Greenlight labels what it makes (`app.kubernetes.io/managed-by:
greenlight`, as the bootstrap manifests of `k8s/apps/` do): a Service without the label fails the release with a
reason that names it, and is left as it was.
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.platform import PlatformError
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, service

pytestmark = pytest.mark.cluster


@pytest.mark.parametrize("name", [f"{APP}-service", f"{APP}-preview"])
async def test_a_service_without_greenlights_label_is_refused(name: str, kube: KubeTarget) -> None:
    theirs = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"app": APP}},
              "spec": {"selector": {"app": APP}, "ports": [{"name": "web", "port": 80, "targetPort": 8080}]}}
    async with kube.platform() as platform:
        await platform.api.create(Kind.SERVICE, kube.namespace, theirs)
        before = await service(platform, kube, name)
        with pytest.raises(PlatformError, match="not Greenlight's") as refused:
            await platform.ensure_app(app_ref(kube))
        after = await service(platform, kube, name)

    assert name in str(refused.value) and "app.kubernetes.io/managed-by" in str(refused.value)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]  # not written at all
    assert after["spec"]["ports"][0]["targetPort"] == 8080 and after["spec"]["selector"] == {"app": APP}
