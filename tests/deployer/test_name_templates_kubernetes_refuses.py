"""Name templates (`GREENLIGHT_KUBE_DEPLOYMENT_NAME`, `_SERVICE_NAME`, `_PREVIEW_NAME`) that give names Kubernetes
refuses, or that break blue/green, stop the service at start with the setting named.

They were taken as they were. A Service name is a DNS-1035 label (63 characters, no dot): `{app}.live`, or
`{app}-production-svc` with an app name of the 55 characters the API admits (it keeps `<app>-service` within 63),
made every release of those apps fail at deploy, after its build and push, with the API server's 422; and the fake
API server took dotted Service names, so no test could see it. A template without `{colour}` put both colours on one
Deployment, the standby's rollout replacing the live pods; the same name for the live and the preview Service let
every preview repoint live traffic at an unapproved release; an unknown placeholder (`{namespace}`) raised KeyError
inside every deploy.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.deployer.settings import DeployerSettings
from services.shared.kube.settings import KubeSettings
from services.shared.release import NEW_APP_MAX_LENGTH


@pytest.mark.parametrize(("setting", "template", "why"), [
    ("service_name", "{app}.live", "DNS-1035"),
    ("preview_name", "{app}-preview-for-reviewers", "63"),
    ("deployment_name", "{app}", "{colour}"),
    ("deployment_name", "{app}-{colour}.", "DNS-1123"),
    ("service_name", "live", "{app}"),
    ("service_name", "{app}-{namespace}", "{namespace}"),
    ("preview_name", "{app}-service", "same name"),
])
def test_a_template_kubernetes_or_blue_green_cannot_use_is_refused(setting: str, template: str, why: str) -> None:
    with pytest.raises(ValidationError) as refused:
        KubeSettings(**{setting: template})
    assert why in str(refused.value), str(refused.value)


def test_refused_at_start_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_KUBE_SERVICE_NAME", "{app}.live")
    with pytest.raises(ValidationError, match="service_name"):
        DeployerSettings()


def test_the_defaults_and_longer_valid_templates_are_accepted() -> None:
    assert KubeSettings().service_name == "{app}-service"
    longest = "a" * NEW_APP_MAX_LENGTH
    custom = KubeSettings(deployment_name="{app}-{colour}-deployment", service_name="{app}-live",
                          preview_name="pre-{app}")
    assert custom.deployment_name.format(app=longest, colour="green") == f"{longest}-green-deployment"
