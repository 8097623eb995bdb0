"""`greenlight watch ID | grep -m1 live`: the reader leaves once it has what it wanted, and watch's next write meets a
closed pipe. click turned that into exit 1, which a script under `set -o pipefail` reads as "the release failed".
The release is no longer followed, so its outcome is unknown to watch: exit 3, nothing more written. In table output
rich met the closed pipe first and exited 1 itself (`Console.on_broken_pipe`), past watch's own handling."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("output", [["-o", "json"], []], ids=["json", "table"])
def test_a_reader_gone_is_no_failed_release(stub: StubApi, output: list[str]) -> None:
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
                  S.SWITCHING, S.LIVE):
        stub.advance("r1", state)
    env = {**os.environ, "GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "approver-token", "PYTHONPATH": str(ROOT)}
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line
    with os.fdopen(write, "wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "services.cli", "watch", "r1", *output], cwd=ROOT, env=env,
                              stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=45)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
