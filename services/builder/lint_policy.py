"""The operator's lint policy: which findings fail a release, which are ignored, and what the repo may say.

The repository is the least trusted input: its own `.hadolint.yaml` (ignored rules) and inline
`# hadolint ignore=` pragmas count only when `GREENLIGHT_BUILDER_LINT_REPOSITORY_CONFIG` allows them.
Either way the release's lint details record the policy applied and every finding it set aside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from services.builder.contained import OutsideRepository, read_inside
from services.builder.lint import at_or_above
from services.builder.settings import BuilderSettings
from services.shared.release import LintFinding

REPO_CONFIG = ".hadolint.yaml"
_RULE = re.compile(r"^(?:DL|SC)\d{4}$")
MAX_CONFIG_BYTES = 64 * 1024
# Findings recorded in a release, per list (most severe first). Each goes into the event twice, and a reader
# refuses an event over 1 MB: 20,000 lines of `MAINTAINER x` (260 kB of Dockerfile) made one of 4 MB.
MAX_RECORDED_FINDINGS = 100


@dataclass(frozen=True)
class LintVerdict:
    """Findings split by the policy; `details` goes into the release's `built`/`failed` event. `kept` and
    `ignored` are what the release records (at most MAX_RECORDED_FINDINGS each), `blocking` is all of them."""

    kept: tuple[LintFinding, ...]
    ignored: tuple[LintFinding, ...]
    blocking: tuple[LintFinding, ...]
    details: dict[str, Any] = field(default_factory=dict)


def repository_rules(checkout: Path) -> tuple[str, list[str]]:
    """(what the repository's `.hadolint.yaml` is: absent/unreadable/present, the rules it ignores)."""
    try:
        raw = read_inside(checkout, REPO_CONFIG, MAX_CONFIG_BYTES)
    except (OutsideRepository, ValueError):
        return "unreadable", []
    if raw is None:
        return "absent", []
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError:
        return "unreadable", []
    listed = data.get("ignored") if isinstance(data, dict) else None
    # Strings only, never str() of an entry: YAML aliases nest a list in itself nine times over in a few hundred
    # bytes, and printing one entry of that (9**9 strings) held the builder's event loop for a minute.
    rules = sorted({r for r in listed if isinstance(r, str) and _RULE.match(r)}) if isinstance(listed, list) else []
    return "present", rules


def judge(findings: list[LintFinding], settings: BuilderSettings, checkout: Path) -> LintVerdict:
    return judged(findings, settings, repository_rules(checkout))


def judged(findings: list[LintFinding], settings: BuilderSettings, rules: tuple[str, list[str]]) -> LintVerdict:
    """`judge` with the repository's rules read already (`repository_rules`, off the event loop: YAML)."""
    status, asked = rules
    honoured = settings.lint_repository_config and status == "present"
    ignored_rules = set(settings.lint_ignore) | (set(asked) if honoured else set())
    kept = tuple(f for f in findings if f.code not in ignored_rules)
    ignored = tuple(f for f in findings if f.code in ignored_rules)
    blocking = tuple(f for f in kept if at_or_above(f, settings.lint_threshold))
    policy = {
        "threshold": settings.lint_threshold,
        "ignored_rules": sorted(settings.lint_ignore),
        "trusted_registries": list(settings.lint_trusted_registries),
        "repository_config": status if status != "present" else ("applied" if honoured else "not allowed"),
        "repository_ignored_rules": asked,
        "inline_pragmas": "applied" if settings.lint_repository_config else "not allowed",
    }
    cap = MAX_RECORDED_FINDINGS
    details: dict[str, Any] = {"lint_policy": policy, "lint_ignored": [f.model_dump() for f in ignored[:cap]]}
    if len(kept) > cap or len(ignored) > cap:
        details["lint_not_recorded"] = {"kept": max(len(kept) - cap, 0), "ignored": max(len(ignored) - cap, 0)}
    return LintVerdict(kept=kept[:cap], ignored=ignored[:cap], blocking=blocking, details=details)
