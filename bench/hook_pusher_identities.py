"""How long a hook's push takes to learn what its account pushed as before (hook_pusher_names.py `_identities`),
over a long history: a measurement script, run by hand, not part of the suite.

    .venv/bin/python -m bench.hook_pusher_identities sqlite+aiosqlite:////tmp/pushers.db
    .venv/bin/python -m bench.hook_pusher_identities postgresql+asyncpg://postgres@127.0.0.1:5432/<a scratch db>
    ... <url> 0014    (filled and measured at that revision; run again without it to measure after the upgrade)

Fills an empty database (migrated to HEAD, or the revision given) with RELEASES releases, three events each, of
which HOOKED were started by the github hook, from ACCOUNTS accounts each pushing under two logins; then times CALLS
lookups of random accounts and prints p50/p99 and the plan. One it filled before is migrated and measured again.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.approval import hook_pusher_names
from services.shared.db.engine import open_engine, writing
from services.shared.db.migrate import migrate
from services.shared.db.schema import events, releases
from services.shared.db.settings import DatabaseSettings
from services.shared.events import first_event
from services.shared.release import Release
from tests.db.query_plans import plan

RELEASES, HOOKED, ACCOUNTS, CALLS, BATCH = 100_000, 20_000, 500, 200, 5_000
START = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(n: int, template: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rid, at = f"r{n:06d}", START + timedelta(minutes=n)
    hooked = n % (RELEASES // HOOKED) == 0
    requester = "github-webhook" if hooked else "ann"
    release = {**template["release"], "id": rid, "app": f"app{n % 500}", "requested_by": requester}
    details = dict(template["details"])
    if hooked:
        account = (n // (RELEASES // HOOKED)) % ACCOUNTS
        login = f"user{account}" + ("-renamed" if n // (RELEASES // HOOKED) // ACCOUNTS % 2 else "")
        details |= {"pusher": {"host": "github", "login": login, "id": 1000 + account}, "pushed_by": login,
                    "pusher_key": f"github:{1000 + account}"}
    row = {"id": rid, "app": release["app"], "state": "failed", "seq": 3, "requested_by": requester,
           "created_at": at, "updated_at": at, "snapshot": json.dumps(release)}
    logged = []
    for seq, state in enumerate(("requested", "building", "failed"), start=1):
        body = {**template, "release_id": rid, "app": release["app"], "seq": seq, "state": state, "actor": requester,
                "details": details if state == "requested" else {}, "release": {**release, "state": state}}
        logged.append({"release_id": rid, "seq": seq, "variant": 0, "app": release["app"], "state": state,
                       "actor": requester, "occurred_at": at, "log_offset": n * 3 + seq, "body": json.dumps(body)})
    return row, logged


async def main(url: str, revision: str = "head") -> None:
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=url, statement_timeout=0))  # type: ignore[call-arg]
    await migrate(engine, revision)
    template = json.loads(first_event(Release(id="t", app="t", repository="https://example.org/x.git",
                                              commit="0" * 40, requested_by="t"), actor="t").model_dump_json())
    began = time.perf_counter()
    async with engine.connect() as connection:
        filled = (await connection.execute(sa.select(sa.func.count()).select_from(releases))).scalar_one()
    for start in range(0, RELEASES if not filled else 0, BATCH):  # one filled before: migrated, measured again
        made = [_rows(n, template) for n in range(start, start + BATCH)]
        async with writing(engine) as connection:
            await connection.execute(releases.insert(), [row for row, _ in made])
            await connection.execute(events.insert(), [e for _, logged in made for e in logged])
    if engine.dialect.name == "postgresql" and not filled:  # the statistics a long-lived database has
        async with engine.connect() as connection:
            await connection.execute(sa.text("ANALYZE"))
            await connection.commit()
    if not filled:
        print(f"filled {RELEASES} releases ({HOOKED} hooked) in {time.perf_counter() - began:.1f} s")
    await hook_pusher_names._identities(engine, "github", "github:1000")  # the statement prepared: not measured
    rng, took = random.Random(1), []
    for _ in range(CALLS):
        key = f"github:{1000 + rng.randrange(ACCOUNTS)}"
        began = time.perf_counter()
        found = await hook_pusher_names._identities(engine, "github", key)
        took.append((time.perf_counter() - began) * 1000)
        assert len(found) == 2, found
    cuts = statistics.quantiles(took, n=100)
    print(f"{engine.dialect.name}: _identities p50 {cuts[49]:.2f} ms, p99 {cuts[98]:.2f} ms over {CALLS} calls")
    await _explain(engine)
    await engine.dispose()


async def _explain(engine: Any) -> None:
    async with engine.connect() as connection:
        print(await plan(connection, hook_pusher_names._query("github", "github:1000")))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
