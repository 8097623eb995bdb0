"""scripts/test.sh stops what its run started and leaves what was already running.

The real helpers test.sh calls (scripts/infra/common.sh) in a clone with its own .local/: one service
running before the snapshot, one started after it, as setup/up.sh would start them (start_bg).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.scripts.clones import clone

STEPS = """
set -euo pipefail
source scripts/infra/common.sh
start_bg kept "$LOCAL/kept.log" sleep 300
before="$(started_services)"
start_bg fresh "$LOCAL/fresh.log" sleep 300
cp "$LOCAL/fresh.pid" "$LOCAL/fresh.started"
stop_services_except "$before"
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_only_what_started_after_the_snapshot_is_stopped(tmp_path: Path) -> None:
    checkout = clone(tmp_path, "checkout")
    script = checkout / "steps.sh"
    script.write_text(STEPS)

    done = subprocess.run(["bash", str(script)], cwd=checkout, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    kept = int((checkout / ".local" / "kept.pid").read_text())
    # The helper removes fresh.pid; the copy keeps its pid to check that the process itself is gone,
    # not only the record of it.
    fresh = int((checkout / ".local" / "fresh.started").read_text())
    try:
        assert "stopping fresh" in done.stdout and "kept" not in done.stdout
        assert not (checkout / ".local" / "fresh.pid").exists()
        assert not alive(fresh)
        assert alive(kept)
    finally:
        os.kill(kept, signal.SIGTERM)  # the one this test started and the helper rightly left running
        if alive(fresh):  # left running by a broken helper: not to outlive the test
            os.kill(fresh, signal.SIGTERM)


def test_test_sh_runs_the_stop_on_every_exit() -> None:
    text = (Path(__file__).resolve().parents[2] / "scripts" / "test.sh").read_text()
    assert 'running_before="$(started_services)"' in text and "trap finish EXIT" in text
    assert text.index("trap finish EXIT") < text.index("./scripts/setup.sh")
