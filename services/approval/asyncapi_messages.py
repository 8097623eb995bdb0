"""The AsyncAPI document's messages: a release event, a running step's progress, a dead letter, as they travel
(headers, content type, correlation id); their payload schemas are the models' own."""

from __future__ import annotations

from typing import Any

from services.approval.asyncapi_channels import AMQP
from services.approval.inputs import STATE_NAME_PATTERN
from services.shared.bus import REASON_HEADER


def messages() -> dict[str, Any]:
    return {
        "ReleaseEvent": {
            "name": "ReleaseEvent", "title": "A release changed state",
            "summary": "The event envelope plus the full release snapshot after the change.",
            "description": (
                "`message_id` is `<release_id>/<seq>`: a re-run step re-publishes the same id, so a "
                "consumer recognises duplicates. `seq` grows by one per change of one release."),
            "contentType": "application/json",
            "correlationId": {"location": "$message.payload#/release_id"},
            "headers": {"type": "object", "properties": {
                "app": {"type": "string"}, "state": {"type": "string", "pattern": STATE_NAME_PATTERN},
                "seq": {"type": "integer", "minimum": 1}}},
            "payload": {"$ref": "#/components/schemas/ReleaseEvent"},
            "bindings": {"amqp": {"messageType": "release-event", "bindingVersion": AMQP}},
        },
        "Progress": {
            "name": "Progress", "title": "A running step's progress",
            "summary": "Build steps, push status or replicas ready, with counts when known.",
            "contentType": "application/json",
            "correlationId": {"location": "$message.payload#/release_id"},
            "payload": {"$ref": "#/components/schemas/Progress"},
        },
        "DeadLetter": {
            "name": "DeadLetter", "title": "A message no service could use",
            "description": "The original body, unchanged (it may not even be JSON).",
            "headers": {"type": "object", "required": [REASON_HEADER], "properties": {
                REASON_HEADER: {"type": "string", "maxLength": 1000,
                                "description": "why it was dead-lettered"},
                "x-original-queue": {"type": "string", "description": "the queue it came from"}}},
            "payload": {},
        },
    }
