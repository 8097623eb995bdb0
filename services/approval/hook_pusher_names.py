"""The identities an account pushed as before: what a rename nobody mapped leaves to the no-self-approval rule.

GREENLIGHT_HOOKS_GIT_USERS ties an account to an identity only where the operator listed it; a login it does not list
is compared as it is, so alice (login `alice`, token `alice`) who renamed her account `al1ce` was someone else to
the rule. Every `requested` event of a hook records the account's key (`pusher_key`) beside the identity it was
(`pushed_by`), so a push of an account that pushed before also records every identity it was then (`pushed_as`), and
four_eyes.py refuses all of them. It reaches as far back as the read model's releases do, and only an account that
pushed a release through a hook before: a rename before its first push is not seen.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval.hook_pushers import PUSHED_AS, PUSHER_KEY, Pusher
from services.approval.policy import PUSHED_BY, GitHost, hook_requester
from services.shared.db.json_text import json_text
from services.shared.db.schema import REQUESTED_EVENT, events, releases


async def pusher_details(engine: AsyncEngine, pusher: Pusher, users: Mapping[str, str]) -> dict[str, object]:
    """The `requested` event's details of `pusher` (hook_pushers.py), with the identities its account pushed as
    before, if any and other than its own now."""
    details = pusher.details(users)
    if pusher.key is not None:
        now = details.get(PUSHED_BY)
        if earlier := [name for name in await _identities(engine, pusher.host, pusher.key) if name != now]:
            details[PUSHED_AS] = earlier
    return details


async def _identities(engine: AsyncEngine, host: GitHost, key: str) -> list[str]:
    """The identities the `requested` events of the account `key` recorded, in the releases the host's hook
    requested: read by the account (index `events_by_pusher_key`), so the history's length does not count."""
    async with engine.connect() as connection:
        return sorted(str(name) for name in (await connection.execute(_query(host, key))).scalars())


def _query(host: GitHost, key: str) -> sa.Select[str]:
    identity = json_text(events.c.body, "details", PUSHED_BY)
    # REQUESTED_EVENT, the index's own predicate: a bound `state = ?` would not tell the planners it may be used.
    return (sa.select(identity).distinct()
            .select_from(events.join(releases, releases.c.id == events.c.release_id))
            .where(REQUESTED_EVENT, json_text(events.c.body, "details", PUSHER_KEY) == key,
                   events.c.note.is_(None), releases.c.requested_by == hook_requester(host), identity.is_not(None)))
