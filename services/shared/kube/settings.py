"""How the Kubernetes adapter finds the cluster and names an app's objects (deployer and switcher)."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.kube.names import check_name_template


class KubeSettings(BaseSettings):
    """`GREENLIGHT_KUBE_*`. Both services must agree on names and namespace, hence one shared class."""

    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_KUBE_", extra="ignore")

    kubeconfig: str | None = Field(
        None, description="kubeconfig file; default: $KUBECONFIG, else a pod's service account, else ~/.kube/config"
    )
    context: str | None = Field(None, description="kubeconfig context; default: its current-context")
    namespace: str = Field("default", description="namespace of apps whose greenlight.yaml names none")
    deployment_name: str = Field("{app}-{colour}", description="name of each colour's Deployment ({app}, {colour})")
    service_name: str = Field("{app}-service", description="name of the Service that carries live traffic")
    preview_name: str = Field("{app}-preview", description="name of the Service that reaches the standby")
    progress_deadline: int = Field(
        600, ge=1, description="seconds a rollout may go without progress (progressDeadlineSeconds)"
    )
    run_as_user: int | None = Field(
        None, ge=1, description="pod runAsUser; default: the image's own numeric USER (runAsNonRoot holds)"
    )
    request_timeout: float = Field(30.0, gt=0, description="seconds one API request may take")
    watch_timeout: int = Field(
        60, ge=1, description="server-side timeoutSeconds of one watch request before it is renewed"
    )
    watch_inactivity: float = Field(
        90.0, gt=0, description="seconds without a byte (event or bookmark) before a watch is presumed dead"
    )
    retries: int = Field(
        1, ge=1, description="attempts of one API call failing transiently (5xx, 429, network) before the step "
                             "gives it to the broker's backoff (GREENLIGHT_RETRY_*, which survives a restart and "
                             "says so in the release); default 1: no sleeping inside a handler")

    @field_validator("deployment_name", "service_name", "preview_name")
    @classmethod
    def _names_kubernetes_takes(cls, template: str, info: ValidationInfo) -> str:
        return check_name_template(template, deployment=info.field_name == "deployment_name")

    @model_validator(mode="after")
    def _live_and_preview_apart(self) -> KubeSettings:
        if self.service_name == self.preview_name:  # a preview would repoint live traffic
            raise ValueError(f"service_name and preview_name give the same name ({self.service_name}): the live "
                             "Service and the preview Service must be two objects")
        return self
