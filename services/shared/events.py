"""Event messages read from a body: parsed, checked against their own envelope and routing key, older schema versions
upgraded, and what cannot be read told apart from what a newer Greenlight wrote. The message itself is
release_event.py's (re-exported here)."""

from __future__ import annotations

from typing import Any

import pydantic_core
from pydantic import ValidationError

from services.shared.protocol import ReleaseState
from services.shared.release_event import SCHEMA_VERSION, ReleaseEvent, first_event

__all__ = ["CARRY", "LISTED", "MAX_BODY_BYTES", "SCHEMA_VERSION", "STATES", "STATE_FIELDS", "UPGRADES",
           "BadMessage", "NewerVersion", "ReleaseEvent", "check_routing", "first_event", "parse_event"]

STATES = frozenset(state.value for state in ReleaseState)
# The details an analysis event passes on from the event that started the analysis (the staged or switched facts):
# the analysis service writes them, a give-up of its `verifying` and the app's card read them.
CARRY = "carry"
STATE_FIELDS = frozenset({("state",), ("release", "state")})
LISTED = frozenset({"enum", "literal_error"})  # pydantic's errors for a value outside a fixed list
MAX_BODY_BYTES = 1_000_000


class BadMessage(ValueError):
    """A message no handler can act on; it goes to the dead-letter queue with this reason."""


class NewerVersion(BadMessage):
    """A message a newer Greenlight wrote: a schema version, a state or another value of a fixed list this version
    does not know. A work queue dead-letters it like any BadMessage; the projector stops at it instead of skipping it
    (projector.py: a replica that reads it folds it), where a malformed one is skipped."""


# Upgraders from older schema versions: {old_version: function(dict) -> dict of old_version + 1}.
UPGRADES: dict[int, Any] = {}


def parse_event(body: bytes) -> ReleaseEvent:
    if len(body) > MAX_BODY_BYTES:
        raise BadMessage(f"body of {len(body)} bytes exceeds {MAX_BODY_BYTES}")
    try:
        # The common case in one pass of pydantic-core (half the CPU of json.loads + model_validate: the projector
        # parses every event of the log); anything else takes the long way, which says precisely what is wrong.
        event = ReleaseEvent.model_validate_json(body)
    except ValidationError:
        pass
    else:
        if event.schema_version == SCHEMA_VERSION and "schema_version" in event.model_fields_set:
            return _consistent(event)
    return _consistent(_parse_slowly(body))


def _parse_slowly(body: bytes) -> ReleaseEvent:
    try:
        # The fast path's parser, not json.loads: that one read a lone UTF-16 surrogate (`"\\ud800"`) into a str that
        # cannot be written again (an event carrying it in its release could be neither published, nor given up, nor
        # folded: UnicodeEncodeError), and PostgreSQL's JSON refuses it (migration 0009's index reads every body).
        raw = pydantic_core.from_json(body)
    except ValueError as exc:
        # Every reader catches BadMessage only: anything else would leave the message unsettled, holding a prefetch
        # slot for good. 100 kB of "[" is a valid-looking body past the parser's depth limit.
        why = "nested too deeply" if "recursion limit" in str(exc) else str(exc)
        raise BadMessage(f"not JSON: {why}") from exc
    if not isinstance(raw, dict):
        raise BadMessage("not a JSON object")
    version = raw.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BadMessage(f"missing or invalid schema_version: {version!r}")
    if version > SCHEMA_VERSION:
        raise NewerVersion(f"schema_version {version} is newer than this service reads ({SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        if version not in UPGRADES:
            raise BadMessage(f"schema_version {version} is too old to read")
        raw = UPGRADES[version](raw)
        version += 1
    try:
        return ReleaseEvent.model_validate(raw)
    except ValidationError as exc:
        state = raw.get("state")
        if isinstance(state, str) and state not in STATES and {e["loc"] for e in exc.errors()} <= STATE_FIELDS:
            # A state a newer Greenlight added, on a queue a newer replica bound during a rolling upgrade: said so,
            # not as the list of every state this version knows. The body is kept as it came, to replay after it.
            raise NewerVersion(f"invalid event: state {state!r} is unknown to this version (a newer "
                               "Greenlight's event? replay it once every replica reads it)") from exc
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        if all(e["type"] in LISTED and isinstance(e["input"], str) for e in exc.errors()):
            # Only names this version does not know (a colour, a lint level): a newer one's, as far as it can tell.
            raise NewerVersion(f"invalid event: {problems} (a newer Greenlight's value?)") from exc
        raise BadMessage(f"invalid event: {problems}") from exc


def check_routing(event: ReleaseEvent, key: str | None) -> None:
    """A key of the events' own form must be the body's: the queue took the message for the key's state, the handler
    acts on the body's (a `built` routed as `requested` was built again from `built`, an illegal transition retried
    to the limit, then its release failed). Retries and timers come back under keys of their own, not checked."""
    if key and key.startswith("release.") and key != event.routing_key:
        raise BadMessage(f"routing key {key!r} disagrees with the event's app and state ({event.routing_key!r})")


def _consistent(event: ReleaseEvent) -> ReleaseEvent:
    # Every field the envelope and the snapshot both carry: the fold decides on the envelope's and stores the
    # snapshot's, so an event whose app differed broke the one-in-flight index in every batch after it (the
    # projection retried it for good), and one whose seq differed made each later event of its release `late`.
    envelope = (event.release_id, event.app, event.seq, event.state)
    if (event.release.id, event.release.app, event.release.seq, event.release.state) != envelope:
        raise BadMessage("event envelope disagrees with its release snapshot (id, app, seq or state)")
    return event
