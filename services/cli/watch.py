"""`greenlight watch`: a release's steps as they happen, ending with the outcome as exit code."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime
from typing import Any

from services.cli import render, steps
from services.cli.answers import release_of
from services.cli.client import ApiError, GreenlightClient, segment
from services.cli.safe import clean
from services.cli.sse import Reconnect, follow_events, retried

SUCCESS = frozenset({"live"})
FAILURE = frozenset({"failed", "rejected", "rolled_back"})
# Exit codes. A script that deploys and then acts on the outcome must not take "could not follow" (the API
# unreachable, the stream lost past its retries, a refused token) for "the release failed": the release may
# well go live. 2 is click's own for a usage error.
LIVE, ENDED_BADLY, UNFOLLOWED = 0, 1, 3


def watch_to_the_end(client: GreenlightClient, release_id: str, reconnect: Reconnect | None = None, *,
                     json_lines: bool = False) -> int:
    """`watch_release`'s outcome as an exit code, UNFOLLOWED (with the reason on stderr) when it could not tell."""
    try:
        return watch_release(client, release_id, reconnect, json_lines=json_lines)
    except ApiError as exc:
        render.error(exc)
        return UNFOLLOWED
    except BrokenPipeError:
        # The reader went away (`| grep -m1 live`): no longer followed, so no outcome. Left to click, it was exit 1,
        # which a script under `set -o pipefail` reads as a failed release. Python's own flush at exit would raise
        # again on the closed pipe: stdout goes to /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return UNFOLLOWED


def watch_release(client: GreenlightClient, release_id: str, reconnect: Reconnect | None = None, *,
                  json_lines: bool = False) -> int:
    """0 once the release is live, 1 once it failed, was rejected or rolled back, or its rollback was refused.

    The stream is asked for the release's history first (Last-Event-ID -1); an outcome in that history
    only counts if it is where the release stands now (a release that was live and is now rolling back is
    followed to the end of the rollback). With `json_lines` each event is printed as one JSON line
    instead, and nothing else.
    """
    answer = retried(lambda: client.get_release(release_id), reconnect)
    current = render.as_known(release_of(answer, client.shown_url, "GET /releases/{id}"))
    if not json_lines:
        render.note(f"watching release {clean(current.get('id'))} of {clean(current.get('app'))} "
                    f"(now {clean(current['state'])})", "bold")
        if said := render.unknown_note(current):
            render.note(f"  {said}", "yellow")
    if current["state"] == "superseded":
        if not json_lines:
            render.note("it was live and has since been superseded by a newer release", "dim")
        return LIVE
    seen_seq = 0
    previous: datetime | None = None
    asked: dict[str, Any] = {}  # the rolling_back event: who asked for the rollback, and why

    def dropped(offset: int | None) -> None:
        if not json_lines:
            render.note(f"  stream dropped; reconnected after event {offset}", "dim")

    # -1: from the release's first event (a stream without Last-Event-ID starts at "now").
    events = follow_events(client, f"/releases/{segment(release_id)}/events", last_event_id=-1,
                           reconnect=reconnect, on_reconnect=dropped,
                           on_progress=None if json_lines else steps.progress)
    with contextlib.closing(events), client.translate_errors():
        for streamed in events:
            # A newer Greenlight's event comes as stored (`render.as_known`): printed, and judged only where its
            # seq says where it stands.
            event = render.as_known(streamed.data)
            seq = event.get("seq")
            if event.get("release_id") != release_id or not took_effect(event) or (seq is not None
                                                                                    and seq <= seen_seq):
                continue
            seen_seq = seq if seq is not None else seen_seq
            if json_lines:
                render.as_json_line(streamed.data)
            else:
                # A step of the history replayed: the release has moved past it (decided, aborted) since.
                replayed = seq is not None and seq < current.get("seq", 0)
                previous = steps.step(event, previous, at_the_gate=not replayed)
                if said := render.unknown_note(event):
                    render.note(f"  {said}", "dim")
            if event["state"] == "rolling_back":
                asked = event
            if seq is None or seq < current.get("seq", 0):
                continue
            if event["state"] in SUCCESS and refused_rollback(event):
                if not json_lines:
                    render.error(f"rollback refused: {refused_rollback(event)}; release {clean(release_id)} "
                                 "stays live")
                return ENDED_BADLY
            if event["state"] in SUCCESS:
                if not json_lines:
                    render.note(f"release {clean(release_id)} is live", "bold green")
                return LIVE
            if event["state"] in FAILURE:
                if not json_lines:
                    render.error(outcome(event, asked))
                    render.failure_log(event.get("release") or {})
                return ENDED_BADLY
    raise AssertionError("follow_events never ends by itself")  # pragma: no cover


def took_effect(event: dict[str, Any]) -> bool:
    """Whether the read model folded this event. One with a `note` is logged but is no step of the release: a
    worker's step that raced an abort of the same seq is logged ahead of the abort's `failed`, and taken for
    the step, it hid that `failed` (same seq) and the watch followed an ended release for ever."""
    return not event.get("note")


def refused_rollback(event: dict[str, Any]) -> str | None:
    """The switcher's reason when this `live` is a rollback it refused (the release stays live)."""
    reason = (event.get("details") or {}).get("rollback_refused")
    return str(reason) if reason else None


def outcome(event: dict[str, Any], asked: dict[str, Any]) -> str:
    release = event.get("release") or {}
    details = event.get("details") or {}
    if event["state"] == "failed":
        problem = release.get("error") or {}
        reason = problem.get("reason") or details.get("reason") or "no reason given"
        return f"release failed at {problem.get('step') or 'pipeline'}: {reason}"
    if event["state"] == "rejected":
        said = f": {release['comment']}" if release.get("comment") else ""
        return f"release rejected by {release.get('approver') or event.get('actor')}{said}"
    reason = details.get("reason") or (asked.get("details") or {}).get("reason")
    who = asked.get("actor") or event.get("actor")
    return f"release rolled back by {who}" + (f": {reason}" if reason else "")
