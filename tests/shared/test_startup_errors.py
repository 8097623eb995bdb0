"""A service started with a dependency missing or misconfigured exits 1 with ONE line naming the setting.

Each case runs the real `python -m services.<name>` against the real broker (its own queue names).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.shared.settings import BusSettings
from tests.ports import free_port as closed_port  # nothing listens there

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
"""


CASES: dict[str, tuple[str, dict[str, str], str]] = {
    # id: (service, environment, what the one line must say)
    "engine socket missing": ("builder", {"GREENLIGHT_BUILDER_DOCKER_HOST": "unix:///nonexistent/engine.sock"},
                              "point GREENLIGHT_BUILDER_DOCKER_HOST at one that runs"),
    "engine URL unusable": ("pusher", {"GREENLIGHT_PUSHER_DOCKER_HOST": "ftp://engine"},
                            "GREENLIGHT_PUSHER_DOCKER_HOST='ftp://engine' is not an engine API URL"),
    "local platform engine missing": ("switcher", {"GREENLIGHT_PLATFORM": "local",
                                                   "GREENLIGHT_LOCAL_DOCKER_HOST": "unix:///nonexistent/e.sock"},
                                      "point GREENLIGHT_LOCAL_DOCKER_HOST at one that runs"),
    "kubeconfig missing": ("deployer", {"GREENLIGHT_PLATFORM": "kubernetes",
                                        "GREENLIGHT_KUBE_KUBECONFIG": "/nonexistent/kubeconfig"},
                           "GREENLIGHT_KUBE_KUBECONFIG=/nonexistent/kubeconfig is not a file"),
    "cluster unreachable": ("deployer", {"GREENLIGHT_PLATFORM": "kubernetes", "GREENLIGHT_KUBE_KUBECONFIG": "{kc}"},
                            "does not answer"),
    "broker down": ("approval", {"AMQP_URL": "amqp://guest:guest@127.0.0.1:{port}/"},
                    "no broker answers at amqp://guest:***@127.0.0.1:"),
    "broker password wrong": ("builder", {"AMQP_URL": "amqp://guest:wrong-secret@127.0.0.1:5672/"},
                              "refused the user or password in AMQP_URL"),
    "broker vhost missing": ("pusher", {"AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/gltest-no-such-vhost"},
                             "refused to open the vhost in AMQP_URL"),
    "setting invalid": ("deployer", {"GREENLIGHT_DEPLOYER_PORT": "0"}, "GREENLIGHT_DEPLOYER_PORT is invalid"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_line_naming_the_setting_and_exit_1(case: str, bus_settings: BusSettings, tmp_path: Path) -> None:
    service, overrides, expected = CASES[case]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG % closed_port())
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "KUBECONFIG")}
    env.update({
        "PYTHONPATH": str(ROOT), "GREENLIGHT_LOG_JSON": "true", "AMQP_URL": bus_settings.amqp_url.get_secret_value(),
        "GREENLIGHT_EXCHANGE": bus_settings.exchange, "GREENLIGHT_DEAD_LETTER_EXCHANGE":
            bus_settings.dead_letter_exchange, "GREENLIGHT_DEAD_LETTER_QUEUE": bus_settings.dead_letter_queue,
        "GREENLIGHT_LOG_STREAM": bus_settings.log_stream, "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix,
        "GREENLIGHT_API_PORT": str(closed_port()), f"GREENLIGHT_{service.upper()}_PORT": str(closed_port()),
        "GREENLIGHT_STATE_DIR": str(tmp_path), "GREENLIGHT_LOCAL_STATE_DIR": str(tmp_path / "local"),
    })
    env.update({k: v.replace("{kc}", str(kubeconfig)).replace("{port}", str(closed_port()))
                for k, v in overrides.items()})
    done = subprocess.run([sys.executable, "-m", f"services.{service}"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=90)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    *logged, last = done.stderr.strip().splitlines()
    # The one line, after the JSON log lines of what started before it; none of those is an error.
    assert last.startswith("greenlight: ") and expected in last, last
    assert not [line for line in map(json.loads, logged) if line["level"] in ("error", "critical")]
    assert "wrong-secret" not in done.stderr
