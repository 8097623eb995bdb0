"""An AMQP_URL that is no broker address (no scheme, blank, a port that is no number) stops the service at once with
one line naming AMQP_URL, and its password is never printed.

Without a check, a URL missing `amqp://` was retried every 5 s for good, the library logging it whole (password
included) at each attempt, and the others ended in a ValueError's traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.shared.settings import BusSettings
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "wrong-secret-4417"
CASES = {
    "no scheme": f"guest:{SECRET}@127.0.0.1:5672",
    "blank": " , ",
    "port not a number": f"amqp://guest:{SECRET}@127.0.0.1:56x2/",
    "port out of range": f"amqp://guest:{SECRET}@127.0.0.1:99999/",
    "not an AMQP scheme": f"https://guest:{SECRET}@127.0.0.1:5672/",
    "one of two addresses without a host": f"amqp://guest:guest@127.0.0.1:5672/,amqp://guest:{SECRET}@/",
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_broker_url_is_one_line_naming_it(case: str, bus_settings: BusSettings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "KUBECONFIG")}
    env.update({
        "PYTHONPATH": str(ROOT), "GREENLIGHT_LOG_JSON": "true", "AMQP_URL": CASES[case],
        "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix, "GREENLIGHT_EXCHANGE": bus_settings.exchange,
        "GREENLIGHT_PUSHER_PORT": str(free_port()), "GREENLIGHT_STATE_DIR": str(tmp_path),
    })
    try:
        done = subprocess.run([sys.executable, "-m", "services.pusher"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=30)
    except subprocess.TimeoutExpired as exc:
        output = exc.stderr.decode() if isinstance(exc.stderr, bytes) else str(exc.stderr or "")
        pytest.fail(f"still starting after 30 s; leaked the password: {SECRET in output}; {output[-600:]}")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("greenlight: AMQP_URL is invalid") and "fix it in the environment" in last, last
    assert SECRET not in done.stderr + done.stdout
