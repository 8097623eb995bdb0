"""A push learns what its git account pushed as before (services/approval/hook_pusher_names.py) from that account's
`requested` events alone (index `events_by_pusher_key`, migration 0015).

It parsed the `requested` event of every release of the log on every push that carried an account id: 261 ms
(p50) on SQLite and 1.0 s on PostgreSQL at 100,000 releases, 20,000 of them started by the hook
(bench/hook_pusher_identities.py), and linear in the history. The plans are checked here on both databases, over a
history logged before the index was made (as an upgrade finds it: PostgreSQL with no statistics on the new index,
SQLite with none at all), and what the lookup finds is the same as before.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval import hook_pusher_names
from services.shared.db.engine import writing
from services.shared.db.migrate import migrate
from services.shared.db.schema import events, releases
from tests.db.query_plans import plan

RELEASES, ACCOUNTS = 3000, 50  # every third release started by the github hook
START = datetime(2026, 1, 1, tzinfo=UTC)


def _release(n: int, requester: str, details: dict[str, Any], *, state: str = "requested",
             note: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    rid, at = f"r{n}", START + timedelta(minutes=n)
    body = {"release_id": rid, "app": f"app{n % 20}", "seq": 1, "state": state, "actor": requester,
            "details": details, "release": {"id": rid, "requested_by": requester, "commit": "0" * 40}}
    return ({"id": rid, "app": body["app"], "state": state, "seq": 1, "requested_by": requester, "created_at": at,
             "updated_at": at, "snapshot": json.dumps(body["release"])},
            {"release_id": rid, "seq": 1, "variant": 0, "app": body["app"], "state": state, "actor": requester,
             "occurred_at": at, "log_offset": n, "note": note, "body": json.dumps(body)})


def _pushed(account: int, login: str, host: str = "github") -> dict[str, Any]:
    return {"pusher": {"host": host, "login": login, "id": account}, "pushed_by": login,
            "pusher_key": f"github:{account}"}


def history() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    made = []
    for n in range(RELEASES):
        if n % 3:
            made.append(_release(n, "ann", {}))
            continue
        account = n // 3 % ACCOUNTS
        made.append(_release(n, "github-webhook", _pushed(account, f"user{account}" + ("-2" if n > RELEASES // 2
                                                                                          else ""))))
    # What the lookup never counted: a conflicting twin (never folded), a later state's details, the key of
    # another host's hook, a push that named nobody.
    made += [_release(RELEASES, "github-webhook", _pushed(0, "twin"), note="conflict"),
             _release(RELEASES + 1, "github-webhook", _pushed(0, "later"), state="building"),
             _release(RELEASES + 2, "gitlab-webhook", _pushed(0, "elsewhere", "gitlab")),
             _release(RELEASES + 3, "github-webhook", {"pusher_key": "github:0"})]
    return made


async def _plan(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        return await plan(connection, hook_pusher_names._query("github", "github:0"))


async def test_an_accounts_earlier_identities_are_read_by_its_key(engine: AsyncEngine) -> None:
    await migrate(engine, "0014")  # a log kept before the index, then Greenlight upgraded
    made = history()
    async with writing(engine) as connection:
        await connection.execute(releases.insert(), [row for row, _ in made])
        await connection.execute(events.insert(), [event for _, event in made])
    await migrate(engine)

    assert await hook_pusher_names._identities(engine, "github", "github:0") == ["user0", "user0-2"]
    assert await hook_pusher_names._identities(engine, "github", "github:7") == ["user7", "user7-2"]
    assert await hook_pusher_names._identities(engine, "github", f"github:{ACCOUNTS}") == []
    assert await hook_pusher_names._identities(engine, "gitlab", "github:0") == ["elsewhere"]
    found = await _plan(engine)
    assert "events_by_pusher_key" in found, found
    assert "SCAN events" not in found and "Seq Scan on events" not in found, found
    assert "releases_by_requester" not in found, found
