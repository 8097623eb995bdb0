"""A repository's `.dockerignore` cannot stall the builder.

Pins: a hostile pattern is matched in time linear in pattern x path, and a `.dockerignore` too big to
apply fails the build with a reason instead of being worked through.

Why: the repository is hostile code. The docker SDK's matcher (what the builder used) turned each `*`
into a backtracking `[^/]*` regex, so the 14-byte line `*a*a*a*a*a*b` and one file named with 150 a's
took ~24 s (each further `*a` ~25x more), inside `re`, which holds the GIL: the builder's whole event
loop (AMQP heartbeats, /healthz, every other release) froze, and `make_context` has no deadline of its
own (GREENLIGHT_BUILDER_BUILD_TIMEOUT covers only the engine stream).
"""

from __future__ import annotations

import tarfile
import time
from pathlib import Path

import pytest

from services.builder.context import ContextError, make_context
from services.shared.appspec import AppSpec

HOSTILE = "*a" * 5 + "*b"
LONG_NAME = "a" * 150


def sent(checkout: Path) -> set[str]:
    archive, _ = make_context(checkout, AppSpec(), b"FROM scratch\n", 10_000_000)
    with archive, tarfile.open(fileobj=archive) as tar:
        return {member.name for member in tar.getmembers()}


def test_a_backtracking_pattern_is_matched_in_linear_time(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text(HOSTILE + "\n")
    (tmp_path / LONG_NAME).write_text("x")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    started = time.monotonic()
    names = sent(tmp_path)
    elapsed = time.monotonic() - started
    assert elapsed < 0.5, f"a 14-byte .dockerignore line kept make_context busy {elapsed:.1f}s"
    assert LONG_NAME in names  # no `b` in the name: the pattern does not ignore it, as with Docker's matcher


def test_the_hostile_pattern_still_ignores_what_it_matches(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text(HOSTILE + "\n")
    (tmp_path / (LONG_NAME + "b")).write_text("x")
    (tmp_path / "kept").write_text("x")
    assert sent(tmp_path) == {".dockerignore", ".greenlight.Dockerfile", "kept"}


def test_too_many_patterns_fail_the_build_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("".join(f"file{n}\n" for n in range(1_001)))
    with pytest.raises(ContextError, match="1001 patterns, more than the 1000 allowed"):
        sent(tmp_path)


def test_comments_and_blank_lines_do_not_count_as_patterns(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("# comment\n\n" * 2_000 + "".join(f"f{n}\n" for n in range(1_000)))
    (tmp_path / "f999").write_text("x")
    assert "f999" not in sent(tmp_path)


def test_an_overlong_pattern_fails_the_build_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("ok\n" + "*a" * 513 + "\n")
    with pytest.raises(ContextError, match="longer than the 1024 characters allowed"):
        sent(tmp_path)


def test_matching_beyond_the_step_budget_fails_the_build_with_a_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear is not enough alone: paths x patterns x length still grows, so the whole is budgeted."""
    # Read where the budget starts (ignore.py) and where running out of it is reported (ignore_glob.py).
    monkeypatch.setattr("services.builder.ignore.MAX_STEPS", 1_000)
    monkeypatch.setattr("services.builder.ignore_glob.MAX_STEPS", 1_000)
    (tmp_path / ".dockerignore").write_text(HOSTILE + "\n")
    for n in range(10):
        (tmp_path / f"{LONG_NAME}{n}b").write_text("x")  # ends as the pattern does: read to the end
    with pytest.raises(ContextError, match=r"applying \.dockerignore to the build context takes more than 1000 steps"):
        sent(tmp_path)
