"""Stored releases and events as they may be shown, whichever version of Greenlight wrote them.

During a rolling upgrade a newer replica projects into the database an older one reads: a state, a schema version or
another value of a fixed list this version does not know. The older replica's projector stops at such an event
(events.NewerVersion), but its API still reads what the newer one folded: each read of the API parsed it with this
version's models and answered 500 (a pydantic ValidationError), and an event stream died on it. Here such a row is
read as it was stored, with what this version does not know (`why`), so that it can be shown, not acted on: the
typed reads the decisions use (release_reads.py) still refuse it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pydantic_core
from pydantic import ValidationError

from services.shared.db.rows import utc
from services.shared.events import SCHEMA_VERSION, ReleaseEvent
from services.shared.redact import redact_url
from services.shared.release import Release

_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")  # a state name as the SSE `event:` field may carry it (fullmatch)


@dataclass(frozen=True)
class NewerRelease:
    """A release snapshot this version cannot read, as stored (a credential in its URL masked)."""

    id: str
    raw: dict[str, Any]
    why: str  # what this version does not know: "state: 'scanning'"
    created_at: datetime  # the row's where the read has it (a page's cursor names it), else the snapshot's


@dataclass(frozen=True)
class NewerEvent:
    """An event body this version cannot read, as stored; `release_id` and `app` are its row's."""

    release_id: str
    app: str
    raw: dict[str, Any]
    why: str

    @property
    def state(self) -> str:
        """Its state's name as it was stored; `unknown` where that is no plain name (a newer schema's shape)."""
        state = self.raw.get("state")
        return state if isinstance(state, str) and _NAME.fullmatch(state) else "unknown"


@dataclass(frozen=True)
class ShownEvent:
    offset: int | None  # None until the log echoes it
    event: ReleaseEvent | NewerEvent
    note: str | None  # why it was not folded ("conflict", "illegal transition …", "late"), else None


def shown_release(snapshot: str, release_id: str, created_at: datetime | None = None) -> Release | NewerRelease:
    try:
        return Release.model_validate_json(snapshot)
    except ValidationError as exc:
        raw = _masked(_loaded(snapshot))
        return NewerRelease(release_id, raw, _why(exc), created_at or _created(raw))


def _created(raw: dict[str, Any]) -> datetime:
    try:
        return utc(datetime.fromisoformat(str(raw.get("created_at"))))
    except (ValueError, OverflowError):
        return datetime.min.replace(tzinfo=UTC)  # no time this version reads: the oldest


def shown_event(body: str, release_id: str, app: str | None = None) -> ReleaseEvent | NewerEvent:
    """`app`: its row's, where the read has it (else the body's)."""
    try:
        event = ReleaseEvent.model_validate_json(body)
    except ValidationError as exc:
        raw = _loaded(body)
        return NewerEvent(release_id, _app(raw, app), _masked_event(raw), _newer_schema(raw) or _why(exc))
    if event.schema_version > SCHEMA_VERSION:
        # It may parse, but not mean what this version reads into it (and the fields this model does not have would
        # be left out): shown as stored.
        raw = _loaded(body)
        return NewerEvent(release_id, _app(raw, app), _masked_event(raw), _newer_schema(raw) or "schema_version")
    return event


def _app(raw: dict[str, Any], app: str | None) -> str:
    return app if app is not None else str(raw.get("app") or "")


def _newer_schema(raw: dict[str, Any]) -> str | None:
    version = raw.get("schema_version")
    newer = isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION
    return f"schema_version {version}" if newer else None


def _loaded(text: str) -> dict[str, Any]:
    try:
        loaded = pydantic_core.from_json(text)
    except ValueError:
        loaded = None
    return loaded if isinstance(loaded, dict) else {"stored": text}


def _why(exc: ValidationError) -> str:
    """The values this version does not know, as "loc: value", where pydantic names them."""
    said = []
    for error in exc.errors()[:3]:
        where, value = ".".join(map(str, error["loc"])), error.get("input")
        said.append(f"{where}: {value!r:.80}" if isinstance(value, str | int) else f"{where}: {error['msg']}")
    return "; ".join(said)


def _masked(release: dict[str, Any]) -> dict[str, Any]:
    # As Release's own validator does: no credential that reached the log is ever shown (redact.py).
    if isinstance(release.get("repository"), str):
        return {**release, "repository": redact_url(release["repository"])}
    return release


def _masked_event(raw: dict[str, Any]) -> dict[str, Any]:
    masked = dict(raw)
    for key in ("release", "details"):
        if isinstance(raw.get(key), dict):
            masked[key] = _masked(raw[key])
    return masked
