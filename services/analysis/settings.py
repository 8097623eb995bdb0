"""The analysis service's settings: `GREENLIGHT_ANALYSIS_*`, plus the shared bus ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.settings import BusSettings

# Without a scheme aiohttp refuses the URL at each request, not at start: every prometheus check would be
# inconclusive ("did not answer", never a rollback), every post http check failed (a rollback of every release).
HTTP_URL = r"^https?://[^/\s]"


class AnalysisSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_ANALYSIS_", extra="ignore")

    port: int = Field(8106, ge=1, le=65535, description="HTTP port of /healthz, /readyz and /metrics")
    prometheus_url: str = Field(
        "http://127.0.0.1:9090", pattern=HTTP_URL,
        description="Prometheus that `prometheus` checks query; default http://127.0.0.1:9090")
    prometheus_timeout: float = Field(5.0, gt=0, description="seconds a query may take (default 5); slower: "
                                                             "inconclusive")
    live_url: str = Field(
        "http://{app}.localhost:8088/", pattern=HTTP_URL,
        description="where post-promotion http checks reach the live Service, {app} replaced; default the local "
                    "platform's http://{app}.localhost:8088/ (on Kubernetes e.g. http://{app}-service.ns.svc/)")
    keep_measurements: int = Field(
        20, ge=1, le=200, description="measurements a verdict event repeats as its reason (default 20, newest)")
    bus: BusSettings = Field(default_factory=BusSettings)

    def live(self, app: str) -> str:
        return self.live_url.replace("{app}", app)
