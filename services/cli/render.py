"""Everything the CLI prints: lines, errors and JSON; data is always shown as cleaned text, never markup.

Tables of releases and apps are in `views.py`; how an item a newer Greenlight wrote is shown, in `newer_items.py`;
this module holds the consoles and the pieces they share.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from services.cli.client import ApiError
from services.cli.newer_items import UNKNOWN, actor_name, as_known, unknown_note
from services.cli.safe import clean, one_line

STATE_STYLE = {
    "live": "bold green", "approved": "green", "awaiting_approval": "bold yellow", "failed": "bold red",
    "rejected": "red", "rolled_back": "magenta", "rolling_back": "magenta", "superseded": "dim",
}
OK, BAD = "✓", "✗"
PIPE_WIDTH = 240
__all__ = ["UNKNOWN", "actor_name", "as_known", "unknown_note"]  # re-exported: newer_items.py


class _Stdout(Console):
    def on_broken_pipe(self) -> None:
        """The reader has gone (`| grep -m1 live`). rich's own answer is `SystemExit(1)`, raised past every caller: a
        `watch` whose reader left after `live` then exited 1, "the release failed", to a script under `set -o
        pipefail`. The error goes up instead, so `watch` says it no longer follows (3) and any other command ends
        as click ends a closed pipe (1); stdout goes to /dev/null, where Python's flush at exit writes harmlessly."""
        self.quiet = True
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise BrokenPipeError(errno.EPIPE, "the reader of stdout has gone")


def out() -> Console:
    # Built per call: the console must write to whatever sys.stdout is now (CliRunner swaps it).
    # Piped into grep or awk there is no terminal to fit: keep rows whole rather than 80 columns wide.
    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return _Stdout(highlight=False, soft_wrap=True, width=PIPE_WIDTH if piped else None)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def as_json(data: Any) -> None:
    """`-o json`: the API's own answer. ensure_ascii escapes every control and bidi character."""
    sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=2) + "\n")


def as_json_line(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=True) + "\n")
    sys.stdout.flush()  # a script reading the pipe gets each event as it happens


def error(problem: ApiError | str) -> None:
    """Exactly one red line: the message, then any field errors and conflict details not already said."""
    said = one_line(problem, limit=100_000)
    parts = [said]
    if isinstance(problem, ApiError):
        for item in problem.fields:
            loc = ".".join(str(part) for part in item.get("loc") or []) or "request"
            msg = one_line(item.get("msg", "invalid"), limit=100_000)
            if msg not in said:  # the API's sentence already quotes its first field
                parts.append(f"{loc}: {msg}")
        parts += [f"{key.replace('_', ' ')}: {one_line(value)}" for key, value in problem.details.items()
                  if one_line(value) not in said]
    err().print(Text("error: " + one_line("; ".join(parts), limit=500), style="bold red"))


def state(value: str) -> Text:
    return Text(clean(value), style=STATE_STYLE.get(value, "cyan"))


def when(value: str | None) -> datetime | None:
    """None for no time, or one in a shape this version does not read (a newer Greenlight's event)."""
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def clock(value: str | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    at = when(value)
    return at.strftime(fmt) if at else ""


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
    return clean(commit)[:12]


def failure(release: dict[str, Any]) -> None:
    problem = release.get("error")
    if isinstance(problem, dict) and problem:
        error(f"{problem.get('step')}: {problem.get('reason')}")
        failure_log(release)


def failure_log(release: dict[str, Any]) -> None:
    problem = release.get("error")
    tail = problem.get("log_tail") if isinstance(problem, dict) else None
    if tail:
        err().print(Text(clean(tail, keep_newlines=True).rstrip(), style="dim"))


def summarise(details: dict[str, Any], width: int = 60) -> str:
    text = ", ".join(f"{k}={clean(v)}" for k, v in details.items() if v not in (None, "", [], {}))
    return text if len(text) <= width else text[: width - 1] + "…"


def note(message: str, style: str = "") -> None:
    """A line of the CLI's own words; values from the API inside it are cleaned by the caller."""
    out().print(Text(clean(message), style=style))
