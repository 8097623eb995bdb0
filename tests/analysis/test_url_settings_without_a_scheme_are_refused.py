"""`GREENLIGHT_ANALYSIS_PROMETHEUS_URL=prometheus.monitoring.svc:9090` (no scheme) was accepted, and every
prometheus check of every release was then inconclusive ("did not answer"): post checks never rolled back. A
`GREENLIGHT_ANALYSIS_LIVE_URL` without one failed every post http check ("request failed: InvalidURL"): every
release rolled back. A URL setting without http(s):// stops the service at start, naming the variable."""

from __future__ import annotations

import pytest

from services.analysis.settings import AnalysisSettings
from services.shared.startup import StartupError, load_settings


@pytest.mark.parametrize(("variable", "value"), [
    ("GREENLIGHT_ANALYSIS_PROMETHEUS_URL", "prometheus.monitoring.svc:9090"),
    ("GREENLIGHT_ANALYSIS_LIVE_URL", "{app}-service.apps.svc"),
])
def test_a_url_without_a_scheme_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, variable: str,
                                                      value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(StartupError, match=f"^{variable} is invalid: .*http"):
        load_settings(AnalysisSettings)


def test_the_documented_urls_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_ANALYSIS_PROMETHEUS_URL", "http://prometheus.monitoring.svc:9090")
    monkeypatch.setenv("GREENLIGHT_ANALYSIS_LIVE_URL", "http://{app}-service.apps.svc/")
    settings = load_settings(AnalysisSettings)
    assert settings.live("tmapp") == "http://tmapp-service.apps.svc/"
    monkeypatch.delenv("GREENLIGHT_ANALYSIS_PROMETHEUS_URL")
    assert load_settings(AnalysisSettings).prometheus_url == "http://127.0.0.1:9090"  # the documented default
