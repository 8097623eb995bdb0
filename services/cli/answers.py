"""What the API sends, checked for what the CLI reads from it before anything is printed or judged.

Whatever answers at GREENLIGHT_URL may be no Greenlight: a broken API, a proxy, a catch-all route or another JSON
service answering 200 with `{}`. A stream message whose data was a JSON list or string, or an event without a state
name, and an answer without a release's id, app and state reached the commands as they came and crashed them with
a traceback (AttributeError, KeyError, TypeError); `watch` exited 1, which a deploy script reads as a failed
release. Now each is one line saying what was wrong (never the data), exit 1 (`watch`: 3, could not follow).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from httpx_sse import ServerSentEvent

from services.cli import render
from services.cli.client import JSON, ApiError

NOT_GREENLIGHT = ": is GREENLIGHT_URL the Greenlight API's address?"
NAMED = ("id", "app", "state")  # what every command that reads a release prints or judges it by


def a_release(answer: Any, shown_url: str, route: str) -> JSON:
    """`answer` when it is a release (one a newer Greenlight wrote as `render.as_known` shows it), else ApiError."""
    shown = render.as_known(answer) if isinstance(answer, dict) else None
    missing = [key for key in NAMED if shown is None or not isinstance(shown.get(key), str)]
    if missing:
        raise ApiError(f"Greenlight at {shown_url} answered {route} without a release's {', '.join(missing)}"
                       f"{NOT_GREENLIGHT}")
    return answer  # type: ignore[no-any-return]


def release_of(answer: JSON, shown_url: str, route: str) -> JSON:
    """The release in a `GET /releases/{id}` answer (`{"release": ..., "history": [...]}`), checked."""
    history = answer.get("history")
    if history is not None and not (isinstance(history, list) and all(isinstance(e, dict) for e in history)):
        raise ApiError(f"Greenlight at {shown_url} answered {route} with a history that is no list of events"
                       f"{NOT_GREENLIGHT}")
    return a_release(answer.get("release"), shown_url, route)


_JSON_KINDS = {list: "a JSON list", str: "a JSON string", int: "a JSON number", float: "a JSON number",
               bool: "a JSON boolean", type(None): "JSON null"}


@dataclass(frozen=True)
class StreamedEvent:
    offset: int
    state: str
    data: dict[str, Any]


def broken(shown_url: str, what: str) -> ApiError:
    # No status: not a passing refusal, so the follower does not ask again for the same broken event.
    return ApiError(f"the event stream from {shown_url} {what}{NOT_GREENLIGHT}")


def streamed_event(sse: ServerSentEvent, shown_url: str) -> StreamedEvent:
    """The logged event this message carries; ApiError naming the offset (never the data) when it is none."""
    try:
        offset = int(sse.id)
    except ValueError:
        raise broken(shown_url, f"sent an event whose id {sse.id[:40]!r} is no offset") from None
    try:
        data = json.loads(sse.data)
    except ValueError:
        raise broken(shown_url, f"sent event {offset} that is not JSON") from None
    if not isinstance(data, dict):
        raise broken(shown_url, f"sent event {offset} as {_JSON_KINDS.get(type(data), 'JSON')}, not an object")
    if problem := shape_problem(render.as_known(data)):
        raise broken(shown_url, f"sent event {offset} {problem}")
    return StreamedEvent(offset=offset, state=sse.event, data=data)


def shape_problem(event: dict[str, Any]) -> str:
    """What keeps this event (as `render.as_known` shows it) from being read, or "". A newer Greenlight's event
    is shown in this version's shape by `as_known`, so only a broken one is refused here."""
    if not isinstance(event.get("state"), str):
        return "without a state name"
    seq = event.get("seq")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
        return "whose seq is no whole number"
    for key in ("release", "details"):
        if event.get(key) is not None and not isinstance(event[key], dict):
            return f"whose {key} is no JSON object"
    return ""


def progress_item(data: str) -> dict[str, Any] | None:
    """A progress message's item; None for one that is no JSON object: progress is a courtesy, a bad one skipped."""
    try:
        item = json.loads(data)
    except ValueError:
        return None
    return item if isinstance(item, dict) else None
