"""`greenlight demo`'s progress: the release's events followed to live as a progress bar and one line a step,
its approval asked for (or given, with --auto-approve) when it awaits one."""

from __future__ import annotations

import contextlib
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from services.cli import render, steps
from services.cli.client import GreenlightClient, segment
from services.cli.sse import follow_events
from services.cli.watch import took_effect
from services.shared.redact import redact_url

STEPS = ("requested", "building", "built", "pushing", "pushed", "deploying", "awaiting_approval", "approved",
         "switching", "live")
ENDED_BADLY = ("failed", "rejected", "rolled_back")
REQUESTER_ENV, APPROVER_ENV = "GREENLIGHT_DEMO_REQUESTER_TOKEN", "GREENLIGHT_DEMO_APPROVER_TOKEN"
# Where a refused token came from, as its 401 names it: the client's default, GREENLIGHT_TOKEN, the demo never reads.
REQUESTER_SOURCE, APPROVER_SOURCE = f"--requester-token or {REQUESTER_ENV}", f"--approver-token or {APPROVER_ENV}"


def follow_release(client: GreenlightClient, release: dict[str, Any], url: str, approver_token: str | None,
                   console: Console) -> int:
    """Show each step of the release until it is live (0) or ended badly (1), approving it with `approver_token`
    when one is given, else saying how to."""
    release_id = release["id"]
    current_seq = client.get_release(release_id)["release"]["seq"]
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"release {release_id[:8]}", total=len(STEPS))
        # -1: from the release's first event (a stream without Last-Event-ID starts at "now").
        events = follow_events(client, f"/releases/{segment(release_id)}/events", last_event_id=-1)
        with contextlib.closing(events), client.translate_errors():
            for streamed in events:
                event = streamed.data
                if not took_effect(event):
                    continue
                state, now = event["state"], event["seq"] >= current_seq
                if state in STEPS:
                    progress.update(task, completed=STEPS.index(state) + 1, description=f"{state}")
                _step(progress.console, event)
                if state == "awaiting_approval" and now:
                    _ask_approval(client, event["release"], url, approver_token, progress.console)
                if now and state == "live":
                    break
                if now and state in ENDED_BADLY:
                    render.failure(event["release"])
                    return 1
    return 0


def _step(console: Console, event: dict[str, Any]) -> None:
    console.print(steps.step_text(event, None))


def _ask_approval(client: GreenlightClient, release: dict[str, Any], url: str, approver_token: str | None,
                  console: Console) -> None:
    console.print(Text(f"  preview (the standby colour): {release.get('preview')}", "bold cyan"))
    if approver_token is not None:
        with GreenlightClient(url, approver_token, token_source=APPROVER_SOURCE) as approver:
            decided = approver.decide(release["id"], "approve", "greenlight demo")
        console.print(Text(f"  auto-approved by {decided.get('approver')}", "green"))
        return
    console.print(Text(f"  waiting for your approval; in another terminal:\n"
                       f"    GREENLIGHT_TOKEN=approver-token greenlight approve {release['id']}\n"
                       f"  or in the dashboard {redact_url(url)}/ (sign in with approver-token)", "yellow"))
