"""Releases and events as the API answers them, whichever version of Greenlight wrote them.

This version's go through its models (models.py), as always. One a newer Greenlight stored during a rolling upgrade
(services/shared/db/newer_rows.py: a state, a schema version or another value this version does not know) is shown
as stored, every field kept, with `unknown_to_this_version` saying what this version does not know: its state keeps
its name rather than being mapped to one of this version's, and a client tells it apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic_core
from aiohttp import web
from pydantic import BaseModel

from services.approval.answers import EventOut, ReleaseLinks, ReleaseOut
from services.approval.policy_models import ApprovalStatus
from services.approval.routing import reply
from services.shared.db.newer_rows import NewerEvent, NewerRelease, ShownEvent
from services.shared.release import Release

UNKNOWN = "unknown_to_this_version"


def release_json(release: Release | NewerRelease, approval: ApprovalStatus | None = None
                 ) -> ReleaseOut | dict[str, Any]:
    if isinstance(release, NewerRelease):
        return {**release.raw, "links": ReleaseLinks.of(release.id).model_dump(), "approval": None,
                UNKNOWN: release.why}
    return ReleaseOut.of(release, approval)


def event_json(shown: ShownEvent) -> EventOut | dict[str, Any]:
    if isinstance(shown.event, NewerEvent):
        return {**shown.event.raw, "offset": shown.offset, "note": shown.note, UNKNOWN: shown.event.why}
    return EventOut.model_validate({**dict(shown.event), "offset": shown.offset, "note": shown.note})


def reply_shown(model: type[BaseModel], fields: Mapping[str, Any], as_stored: bool) -> web.Response:
    """`model` made of `fields`, as `reply` answers it; or, `as_stored` (a newer Greenlight's release or event is
    among them, as stored: no model of this version holds one), the same JSON made of them as they are."""
    if not as_stored:
        return reply(model.model_validate(dict(fields)))
    return web.Response(text=pydantic_core.to_json(dict(fields)).decode(), content_type="application/json")
