"""Issue 15 item 5: free text from the API (comments, reasons, repository, error tails) reaches the
terminal without control characters or bidi overrides: an ESC/NUL/U+202E comment is shown defused."""

from __future__ import annotations

import json

import pytest

from services.cli.safe import clean, one_line
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

# Clears the screen, retitles the terminal (OSC), hides text, and reverses what follows.
HOSTILE = "ok\x1b[2J\x1b]0;pwned\x07\x00\u202egnp.exe\x9b31m"
FORBIDDEN = ("\x1b", "\x00", "\x07", "\u202e", "\x9b")


def staged_with_comment(stub: StubApi) -> None:
    stub.add(make_release("r1").model_copy(update={"repository": "https://example.org/\u202eevil.git"}))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL):
        stub.advance("r1", state)
    stub.advance("r1", S.REJECTED, "dev-approver", approver="dev-approver", comment=HOSTILE)


@pytest.mark.parametrize("args", [("release", "show", "r1"), ("watch", "r1"), ("history", "demo"),
                                  ("release", "show", "r1", "-o", "json")])
def test_a_hostile_comment_is_printed_without_its_control_characters(stub: StubApi, args: tuple[str, ...]) -> None:
    staged_with_comment(stub)
    result = cli(stub, *args)
    printed = result.stdout + result.stderr
    assert "ok" in printed
    for char in FORBIDDEN:
        assert char not in printed, f"{char!r} reached the terminal"
    if "json" in args:  # escaped, so the data survives for a script
        assert json.loads(result.stdout)["release"]["comment"] == HOSTILE
    elif args[0] == "release":
        assert "comment        ok\ufffd[2J\ufffd]0;pwned\ufffd\ufffd\ufffdgnp.exe\ufffd31m" in result.stdout


def test_a_hostile_failure_reason_and_log_tail_are_defused(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.FAILED, "builder", error=ReleaseError(step="build", reason="bad\x1b[31m\nline",
                                                                    log_tail="step 1\x1b]52;c;AAAA\x07\nstep 2"))
    result = cli(stub, "release", "show", "r1")
    assert "error: build: bad\ufffd[31m line" in result.stderr
    assert "step 1\ufffd]52;c;AAAA\ufffd\nstep 2" in result.stderr  # the tail keeps its lines
    for char in FORBIDDEN:
        assert char not in result.stdout + result.stderr


def test_clean_keeps_ordinary_unicode() -> None:
    assert clean("Zoë 🚀 日本 tab\there") == "Zoë 🚀 日本 tab\ufffdhere"
    assert clean("a\tb\nc", keep_newlines=True) == "a\tb\nc"
    assert one_line("fatal: one\n\nfatal:   two\n") == "fatal: one fatal: two"
