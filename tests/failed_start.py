"""A service started as a process that is expected to stop at start-up: exit status 1, no traceback, and one last
line saying why (services/shared/startup.py). Shared by the tests of each setting that must stop a service so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def failed_start(service: str, env: dict[str, str], timeout: float = 60) -> tuple[str, str]:
    """(the last line, all the output) of `python -m services.<service>` run with `env` over this environment less
    its GREENLIGHT_*, DOCKER_HOST and KUBECONFIG (a test says what it sets); asserts exit 1 and no traceback."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GREENLIGHT_", "DOCKER_HOST", "KUBECONFIG"))}
    done = subprocess.run([sys.executable, "-m", f"services.{service}"], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, "PYTHONPATH": str(ROOT), "GREENLIGHT_LOG_JSON": "true", **env},
                          timeout=timeout)
    output = done.stderr + done.stdout
    assert done.returncode == 1, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    return done.stderr.strip().splitlines()[-1], output
