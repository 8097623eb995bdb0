"""Everything the CLI prints: rich tables and lines; data is always shown as text, never as markup."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from services.cli.client import ApiError

STATE_STYLE = {
    "live": "bold green", "approved": "green", "awaiting_approval": "bold yellow", "failed": "bold red",
    "rejected": "red", "rolled_back": "magenta", "rolling_back": "magenta", "superseded": "dim",
}
OK, BAD = "✓", "✗"
PIPE_WIDTH = 240


def out() -> Console:
    # Built per call: the console must write to whatever sys.stdout is now (CliRunner swaps it).
    # Piped into grep or awk there is no terminal to fit: keep rows whole rather than 80 columns wide.
    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(highlight=False, soft_wrap=True, width=PIPE_WIDTH if piped else None)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def error(problem: ApiError | str) -> None:
    """One red line, then any field errors or conflict details indented below it."""
    console = err()
    console.print(Text(f"error: {problem}", style="bold red"))
    if isinstance(problem, ApiError):
        for item in problem.fields:
            loc = ".".join(str(part) for part in item.get("loc") or [])
            console.print(Text(f"  {loc or 'request'}: {item.get('msg', 'invalid')}", style="red"))
        for key, value in problem.details.items():
            console.print(Text(f"  {key.replace('_', ' ')}: {value}", style="red"))


def state(value: str) -> Text:
    return Text(value, style=STATE_STYLE.get(value, "cyan"))


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24:02d}h"


def short(commit: str | None) -> str:
    return (commit or "")[:12]


def release_list(items: Sequence[dict[str, Any]], next_cursor: str | None) -> None:
    table = Table(box=None, header_style="bold")
    # The id is what the user copies into the next command: it and the state are never shortened; on a
    # narrow terminal the last columns wrap instead.
    for name, key in (("id", "id"), ("app", "app"), ("state", "state")):
        table.add_column(name, no_wrap=True, min_width=max((len(item[key]) for item in items), default=2))
    table.add_column("commit", no_wrap=True, min_width=12)
    table.add_column("requested by")
    table.add_column("updated")
    for item in items:
        updated = when(item.get("updated_at"))
        table.add_row(Text(item["id"]), Text(item["app"]), state(item["state"]), Text(short(item["commit"])),
                      Text(item.get("requested_by") or ""),
                      updated.strftime("%Y-%m-%d %H:%M:%S") if updated else "")
    console = out()
    if not items:
        console.print("no releases")
        return
    console.print(table)
    if next_cursor:
        console.print(Text(f"more: --cursor {next_cursor}", style="dim"))


def release_detail(release: dict[str, Any], history: Sequence[dict[str, Any]]) -> None:
    console = out()
    console.print(Text.assemble(("release ", "bold"), (release["id"], "bold"), "  ", state(release["state"])))
    for label, key in (("app", "app"), ("repository", "repository"), ("commit", "commit"), ("ref", "ref"),
                       ("requested by", "requested_by"), ("image", "image"), ("digest", "digest"),
                       ("colour", "standby_colour"), ("preview", "preview"), ("approver", "approver"),
                       ("comment", "comment")):
        if release.get(key):
            console.print(Text(f"  {label:<13}{release[key]}"))
    if release.get("admin_override"):
        console.print(Text("  approved by an admin override of the four-eyes rule", style="yellow"))
    table = Table("#", "state", "at", "took", "actor", "details", box=None, header_style="bold")
    times = [when(e["occurred_at"]) for e in history]
    for index, event in enumerate(history):
        at = times[index]
        nxt = times[index + 1] if index + 1 < len(times) else None
        took = duration((nxt - at).total_seconds()) if at and nxt else ""
        table.add_row(str(event["seq"]), state(event["state"]), at.strftime("%H:%M:%S") if at else "",
                      took, Text(event.get("actor") or ""), Text(summarise(event.get("details") or {})))
    console.print(table)
    if len(times) > 1 and times[0] and times[-1]:
        console.print(Text(f"  total {duration((times[-1] - times[0]).total_seconds())}", style="dim"))
    failure(release)


def failure(release: dict[str, Any]) -> None:
    problem = release.get("error")
    if problem:
        error(f"{problem.get('step')}: {problem.get('reason')}")
        failure_log(release)


def failure_log(release: dict[str, Any]) -> None:
    tail = (release.get("error") or {}).get("log_tail")
    if tail:
        err().print(Text(tail.rstrip(), style="dim"))


def summarise(details: dict[str, Any], width: int = 60) -> str:
    text = ", ".join(f"{k}={v}" for k, v in details.items() if v not in (None, "", [], {}))
    return text if len(text) <= width else text[: width - 1] + "…"


def step(event: dict[str, Any], previous: datetime | None) -> datetime | None:
    """One line of `watch`: the time, the new state, how long the step before it took, and what it added."""
    at = when(event.get("occurred_at"))
    release = event.get("release") or {}
    mark = BAD if event["state"] in ("failed", "rejected", "rolled_back") else OK
    line = Text.assemble(
        (at.strftime("%H:%M:%S") if at else "--:--:--", "dim"), f" {mark} ", state(event["state"]),
    )
    if at and previous:
        line.append(f"  (+{duration((at - previous).total_seconds())})", style="dim")
    extra = {k: release.get(k) for k in ("image", "preview", "standby_colour", "approver") if release.get(k)}
    if event["state"] in ("built", "pushed", "awaiting_approval", "approved") and extra:
        line.append("  " + summarise(extra, 100), style="dim")
    if note := (event.get("details") or {}).get("note"):  # e.g. "reused image ...": nothing was built
        line.append(f"  {note}", style="cyan")
    out().print(line)
    if event["state"] == "awaiting_approval":
        out().print(Text(f"  waiting for approval: greenlight approve {event['release_id']}", style="yellow"))
    return at


def progress(item: dict[str, Any]) -> None:
    """A running step's progress under its state line: `  build  STEP 3/7: RUN ...` (throttled at the source)."""
    count = f" ({item['current']}/{item['total']})" if item.get("total") and item.get("current") is not None else ""
    out().print(Text(f"    {item.get('step', '?'):<6} {str(item.get('message', ''))[:150]}{count}", style="dim"))


def note(message: str, style: str = "") -> None:
    out().print(Text(message, style=style))
