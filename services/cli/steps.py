"""One line per release step for `greenlight watch` and the demo: what happened and what it decided.

The line carries the facts a person acts on (the preview URL, who decided and why), whole: a terminal
wraps a long line, it never cuts it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text

from services.cli.render import BAD, OK, duration, out, state, when
from services.cli.safe import clean

FAILED = frozenset({"failed", "rejected", "rolled_back"})


def _decision(release: dict[str, Any], event: dict[str, Any]) -> str:
    who = release.get("approver") or event.get("actor") or "someone"
    comment = release.get("comment")
    return f"by {who}" + (f': "{comment}"' if comment else " (no comment)")


def _reason(release: dict[str, Any], event: dict[str, Any]) -> str:
    reason = (event.get("details") or {}).get("reason")
    return f"by {event.get('actor')}" + (f": {reason}" if reason else "")


def _failure(release: dict[str, Any], event: dict[str, Any]) -> str:
    problem = release.get("error") or {}
    return f"at {problem.get('step') or 'pipeline'}: {problem.get('reason') or 'no reason given'}"


def _facts(*keys: str) -> Callable[[dict[str, Any], dict[str, Any]], str]:
    names = {"standby_colour": "colour", "live_colour": "colour"}
    return lambda release, event: "  ".join(f"{names.get(k, k)}={release[k]}" for k in keys if release.get(k))


def _measurement(release: dict[str, Any], event: dict[str, Any]) -> str:
    """One analysis measurement: `health (http) = 0.01 successful: value 0.01 meets <= 0.05`."""
    m = (event.get("details") or {}).get("measurement")
    if not isinstance(m, dict):  # the step handing over to the checks: where they look
        return _facts("standby_colour", "preview")(release, event) if event["state"] == "analysing" else \
            f"checks start on {(event.get('details') or {}).get('colour') or 'live'}"
    return f"{m.get('check')} ({m.get('provider')}) = {m.get('value')} {m.get('verdict')}: {m.get('why')}"


FACTS: dict[str, Callable[[dict[str, Any], dict[str, Any]], str]] = {
    "analysing": _measurement,
    "verifying": _measurement,
    "built": _facts("image"),
    "pushed": _facts("digest"),
    "awaiting_approval": _facts("standby_colour", "preview"),
    "approved": _decision,
    "rejected": _decision,
    "live": _facts("standby_colour"),  # the colour it was deployed on serves now (`live_colour` was live before)
    "rolling_back": _reason,
    "failed": _failure,
}


def step_text(event: dict[str, Any], previous: datetime | None) -> Text:
    at = when(event.get("occurred_at"))
    release = event.get("release") or {}
    measured = (event.get("details") or {}).get("measurement")
    failed_check = isinstance(measured, dict) and measured.get("verdict") == "failed"
    mark = BAD if event["state"] in FAILED or failed_check else OK
    line = Text.assemble((at.strftime("%H:%M:%S") if at else "--:--:--", "dim"), f" {mark} ",
                         state(event["state"]))
    if at and previous:
        line.append(f"  (+{duration((at - previous).total_seconds())})", style="dim")
    facts = FACTS.get(event["state"])
    said = clean(facts(release, event)) if facts else ""
    if said:
        line.append("  " + said)
    analysis = (event.get("details") or {}).get("analysis")
    if isinstance(analysis, dict):  # the verdict of the checks that led to this step
        style = {"successful": "green", "failed": "red"}.get(str(analysis.get("verdict")), "yellow")
        line.append(f"  analysis {clean(analysis.get('verdict'))}: {clean(analysis.get('reason'))}", style=style)
    if note := (event.get("details") or {}).get("note"):  # e.g. "reused image ...": nothing was built
        line.append(f"  {clean(note)}", style="cyan")
    return line


def step(event: dict[str, Any], previous: datetime | None, *, at_the_gate: bool = True) -> datetime | None:
    """Prints the step's line (and what to do next, if the release is `at_the_gate` still); returns its time for
    the next one."""
    out().print(step_text(event, previous))
    if event["state"] == "awaiting_approval" and at_the_gate:
        rid = clean(event["release_id"])
        out().print(Text(f"  approve: greenlight approve {rid} --comment '…'   reject: greenlight reject {rid}",
                         style="yellow"))
    return when(event.get("occurred_at"))


def progress(item: dict[str, Any]) -> None:
    """A running step's progress under its state line: `    build  STEP 3/7: RUN ...` (throttled at the source)."""
    count = f" ({item['current']}/{item['total']})" if item.get("total") and item.get("current") is not None else ""
    text = f"    {clean(item.get('step', '?')):<6} {clean(item.get('message', ''))[:150]}{count}"
    out().print(Text(text, style="dim"))
