"""What a delivery says: a CloudEvents 1.0 structured JSON body, or a Slack message.

Both are built from a whitelist of the release's fields, never from the whole snapshot: the spec's
environment, build arguments and secret references, build log tails and credentials in repository
URLs stay out of every delivery.
"""

from __future__ import annotations

import re
from typing import Any

from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent

from services.shared.events import ReleaseEvent

EVENT_TYPE_PREFIX = "dev.greenlight.release."
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")


def without_credentials(text: str) -> str:
    """`https://user:token@host/x` -> `https://host/x`, wherever it appears in `text`."""
    return _USERINFO.sub(r"\g<scheme>", text)


def public_view(event: ReleaseEvent) -> dict[str, Any]:
    release = event.release
    lint: dict[str, int] = {}
    for finding in release.lint:
        lint[finding.level] = lint.get(finding.level, 0) + 1
    return {
        "release_id": event.release_id, "app": event.app, "state": event.state.value, "seq": event.seq,
        "actor": event.actor, "occurred_at": event.occurred_at.isoformat(),
        "repository": without_credentials(release.repository), "commit": release.commit, "ref": release.ref,
        "requested_by": release.requested_by, "approver": release.approver, "comment": release.comment,
        "image": release.image, "digest": release.digest, "preview": release.preview,
        "live_colour": release.live_colour, "standby_colour": release.standby_colour,
        "previous_release": release.previous_release, "lint": lint,
        "error": ({"step": release.error.step, "reason": without_credentials(release.error.reason)}
                  if release.error else None),
        # A rollback's reason, and the analysis verdict (with its last measurement) that led to this state.
        "reason": without_credentials(str(event.details["reason"]))[:1000] if event.details.get("reason") else None,
        "analysis": _analysis(event.details.get("analysis")),
    }


def _analysis(found: Any) -> dict[str, Any] | None:
    if not isinstance(found, dict):
        return None
    return {key: found.get(key) for key in ("verdict", "reason", "measurement")}


def cloudevent_body(event: ReleaseEvent, source: str) -> tuple[bytes, str]:
    """(body, content type) in structured mode; the CloudEvent id is the event's own id, so a receiver
    can drop a duplicate delivery by it."""
    cloud = CloudEvent(attributes={
        "id": event.message_id, "source": f"{source.rstrip('/')}/{event.app}",
        "type": EVENT_TYPE_PREFIX + event.state.value, "subject": event.release_id,
        "time": event.occurred_at, "datacontenttype": "application/json",
    }, data=public_view(event))
    message = to_structured_event(cloud)
    return message.body, message.headers.get("content-type", "application/cloudevents+json")
