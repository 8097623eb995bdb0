"""A kubeconfig that is not YAML, or YAML that is not a mapping, ended the deployer and the switcher in a traceback
(yaml's ParserError, a TypeError): the platform caught only the errors of a kubeconfig it could read. Now one line
names the setting, and never shows the file's text (a kubeconfig holds tokens and keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.bus import BusSettings
from tests.failed_start import failed_start
from tests.ports import free_port as closed_port

CONFIGS = {
    "not YAML": 'apiVersion: v1\nusers: [{name: u, user: {token: "sekret-token-1234"\n  - ]: :\n',
    "a list": "- sekret-token-1234\n- b\n",
}


@pytest.mark.parametrize("service", ["deployer", "switcher"])
@pytest.mark.parametrize("case", list(CONFIGS))
def test_one_line_naming_the_kubeconfig(case: str, service: str, bus_settings: BusSettings, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(CONFIGS[case])
    last, output = failed_start(service, {
        "AMQP_URL": bus_settings.amqp_url.get_secret_value(), "GREENLIGHT_EXCHANGE": bus_settings.exchange,
        "GREENLIGHT_LOG_STREAM": bus_settings.log_stream, "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix,
        f"GREENLIGHT_{service.upper()}_PORT": str(closed_port()), "GREENLIGHT_STATE_DIR": str(tmp_path),
        "GREENLIGHT_PLATFORM": "kubernetes", "GREENLIGHT_KUBE_KUBECONFIG": str(kubeconfig),
        "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/gl.db",
    }, timeout=90)
    assert last.startswith("greenlight: ") and "GREENLIGHT_KUBE_KUBECONFIG" in last, last
    assert "sekret-token" not in output
