"""The AsyncAPI document's channels and operations: where release events, progress, the release log and dead
letters are found on the broker (the default names of BusSettings), and what each side does with them."""

from __future__ import annotations

from typing import Any

from services.approval.inputs import STATE_NAME_PATTERN
from services.shared.progress import PROGRESS_PREFIX
from services.shared.protocol import ReleaseState
from services.shared.settings import BusSettings

AMQP = "0.3.0"  # AMQP bindings version


def default(name: str) -> str:
    return str(BusSettings.model_fields[name].default)


def _queue(name: str) -> dict[str, Any]:
    return {"amqp": {"is": "queue", "bindingVersion": AMQP,
                     "queue": {"name": name, "durable": True, "exclusive": False, "autoDelete": False,
                               "vhost": "/"}}}


def channels(exchange: str, stream: str, dead: str, dlx: str, event_ref: dict[str, str]) -> dict[str, Any]:
    return {
        "releaseEvents": {
            "address": "release.{app}.{state}",
            "description": f"Routing keys on the durable topic exchange `{exchange}`.",
            "parameters": {"app": {"description": "the app (a DNS-1123 label)"},
                           # No enum: a newer Greenlight publishes states this version does not know
                           # (AsyncAPI 3 parameters have no `pattern`, so the grammar is in the words).
                           "state": {"examples": [s.value for s in ReleaseState],
                                     "description": "the state the release entered: one of this version's "
                                                    "(the examples) or, during a rolling upgrade, a newer "
                                                    "Greenlight's, a name matching "
                                                    f"`{STATE_NAME_PATTERN}`"}},
            "messages": {"releaseEvent": event_ref},
            "bindings": {"amqp": {"is": "routingKey", "bindingVersion": AMQP, "exchange": {
                "name": exchange, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}}},
        },
        "progress": {
            "address": f"{PROGRESS_PREFIX}.{{app}}.{{step}}",
            "description": (f"Progress of a running step on `{exchange}`: transient, not mandatory, throttled "
                            "(a few per second at most), never state and never in the log; lost when no "
                            "queue is bound. The HTTP API relays it on its SSE streams as `event: progress`."),
            "parameters": {"app": {"description": "the app (a DNS-1123 label)"},
                           "step": {"enum": ["build", "push", "deploy"], "description": "the running step"}},
            "messages": {"progress": {"$ref": "#/components/messages/Progress"}},
            "bindings": {"amqp": {"is": "routingKey", "bindingVersion": AMQP, "exchange": {
                "name": exchange, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}}},
        },
        "releaseLog": {
            "address": stream,
            "description": (
                f"The release log: a stream queue (`x-queue-type: stream`, `x-max-age: "
                f"{default('log_max_age')}`) bound to `{exchange}` with `release.#`. Consume with "
                "`x-stream-offset` (`first`, or an offset) and a prefetch; the `x-stream-offset` header "
                "of each message is its position, which the HTTP API uses as SSE id."),
            "messages": {"releaseEvent": event_ref},
            "bindings": _queue(stream),
        },
        "deadLetters": {
            "address": dead,
            "description": (f"Quorum queue bound with `#` to the dead-letter topic exchange `{dlx}`: "
                            "messages no service could use, kept for people to inspect. Routing keys: "
                            "`refused.<original key>` for messages a service refused (reason in "
                            "`x-greenlight-reason`); the original `release.<app>.<state>` for messages the "
                            "broker dead-lettered at the delivery limit (`x-death`)."),
            "messages": {"deadLetter": {"$ref": "#/components/messages/DeadLetter"}},
            "bindings": _queue(dead),
        },
    }


def operations() -> dict[str, Any]:
    return {
        "publishReleaseEvent": {
            "action": "send", "channel": {"$ref": "#/channels/releaseEvents"},
            "summary": "Greenlight services publish each event persistent, mandatory and confirmed.",
            "messages": [{"$ref": "#/channels/releaseEvents/messages/releaseEvent"}],
        },
        "receiveReleaseEvent": {
            "action": "receive", "channel": {"$ref": "#/channels/releaseEvents"},
            "summary": "Bind your own queue; delivery is at least once, so skip a (release_id, seq) seen.",
            "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP}},
            "messages": [{"$ref": "#/channels/releaseEvents/messages/releaseEvent"}],
        },
        "readReleaseLog": {
            "action": "receive", "channel": {"$ref": "#/channels/releaseLog"},
            "summary": "Replay every release event from the start, then follow live.",
            "messages": [{"$ref": "#/channels/releaseLog/messages/releaseEvent"}],
        },
        "receiveProgress": {
            "action": "receive", "channel": {"$ref": "#/channels/progress"},
            "summary": "Bind an exclusive auto-delete queue to `progress.#` to watch steps as they run.",
            "messages": [{"$ref": "#/channels/progress/messages/progress"}],
        },
        "receiveDeadLetter": {
            "action": "receive", "channel": {"$ref": "#/channels/deadLetters"},
            "summary": "Inspect messages that were dead-lettered, with the reason.",
            "messages": [{"$ref": "#/channels/deadLetters/messages/deadLetter"}],
        },
    }
