"""An argument in another encoding than UTF-8 crashed the command with a traceback.

A terminal or a file in Latin-1 gives `café` as the byte 0xE9; Python keeps an undecodable argument byte as a lone
surrogate (U+DCE9), which httpx cannot encode: `greenlight approve ID --comment "café"` ended in UnicodeEncodeError,
and `watch` with such an id exited 1, "the release failed", to a script. Now it is one line naming what to fix, never
the value (a receiver URL may carry a credential), nothing is sent, and `watch` exits 3 (not followed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
LATIN1 = "caf\udce9"  # what Python makes of the argument bytes b"caf\xe9"


def awaiting(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL):
        stub.advance("r1", state)


def test_a_comment_in_latin1_from_a_real_terminal_is_one_line(stub: StubApi) -> None:
    awaiting(stub)
    env = {**os.environ, "GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "approver-token", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "services.cli", "approve", "r1", "--comment", b"caf\xe9"],
                          cwd=ROOT, env=env, capture_output=True, timeout=45)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.decode() == ("error: the comment is not UTF-8 text (typed, pasted or read in another "
                                    "encoding?): nothing was sent\n")
    assert stub.state("r1") is S.AWAITING_APPROVAL


@pytest.mark.parametrize(("args", "named"), [
    (["status", LATIN1], "the app name"),
    (["release", "show", LATIN1], "the release id"),
    (["release", "list", "--cursor", LATIN1], "the cursor"),
    (["abort", "r1", "--reason", LATIN1], "the reason"),
    (["subscriptions", "add", "s1", f"https://hooks.example.org/{LATIN1}"], "the url"),
])
def test_every_command_names_the_argument_and_never_shows_it(stub: StubApi, args: list[str], named: str) -> None:
    awaiting(stub)
    result = cli(stub, *args, token="admin-token")
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"error: {named} is not UTF-8 text (typed, pasted or read in another encoding?): "
                             "nothing was sent\n")
    assert "caf" not in result.stdout


def test_watch_of_such_an_id_is_not_followed_rather_than_failed(stub: StubApi) -> None:
    result = cli(stub, "watch", LATIN1)
    assert result.exit_code == 3, result.output
    assert "the release id is not UTF-8 text" in result.stderr
