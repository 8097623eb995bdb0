"""A repository's `.hadolint.yaml` cannot hold the builder's event loop.

Pins: the rules a repository's `.hadolint.yaml` lists under `ignored` are read as strings only; an entry that is
a list (of lists, through YAML aliases) is skipped unread, at once.

Why: the repository is hostile code, and its `.hadolint.yaml` is read at every build (to record what it asked
for, whether or not the operator honours it), on the builder's event loop. YAML aliases let 473 bytes build a list
nested nine deep, nine wide, sharing one object at each level (cheap to load); the builder turned each entry into
a string to match it against the rule pattern, and the string of that one entry is 9**9 rule names: 57 s of the
event loop (AMQP heartbeats, /healthz, every other release) and gigabytes of memory, one level more ten times that.
"""

from __future__ import annotations

import time
from pathlib import Path

from services.builder.lint_policy import REPO_CONFIG, judge, repository_rules
from services.builder.settings import BuilderSettings
from services.shared.release import LintFinding


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["DL3008", "DL3008", "DL3008", "DL3008", "DL3008", "DL3008", "DL3008", "DL3008", "DL3008"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join([*lines, f"ignored: [DL3006, *a{levels}]"]) + "\n"


def test_an_alias_bomb_in_the_ignored_list_is_skipped_at_once(tmp_path: Path) -> None:
    # Seven levels (9**7 names, ~4 s before the change) keep the failing run short; the unread entry is the point.
    (tmp_path / REPO_CONFIG).write_text(alias_bomb(7))
    started = time.monotonic()
    status, rules = repository_rules(tmp_path)
    elapsed = time.monotonic() - started
    assert elapsed < 0.5, f"a {len(alias_bomb(7))}-byte .hadolint.yaml kept the builder busy {elapsed:.1f}s"
    assert (status, rules) == ("present", ["DL3006"])  # the plain entry still counts


def test_the_release_records_only_the_plain_rules(tmp_path: Path) -> None:
    (tmp_path / REPO_CONFIG).write_text(alias_bomb(7))
    finding = LintFinding(code="DL3006", level="warning", message="tag the version", line=1, file="Dockerfile")
    started = time.monotonic()
    verdict = judge([finding], BuilderSettings(lint_repository_config=True), tmp_path)
    assert time.monotonic() - started < 0.5
    assert verdict.details["lint_policy"]["repository_ignored_rules"] == ["DL3006"]
    assert verdict.ignored == (finding,) and verdict.blocking == ()
