"""An older API replica (this checkout) beside a newer Greenlight's projector on one database and one log: the newer
one folds events this version cannot read, and the older API serves them back (tests/approval/test_older_replica_*).

The newer Greenlight knows a state this one does not (`scanning`, a step between `built` and `pushed`) and a schema
version 2 whose `actor` is an object. Its projector is the real one with a newer parse standing in (as in
tests/db/newer_events.py): it stores each body as logged. What the stand-in cannot write is its own state in the
release's row and the events' `state` column (it folds `scanning` as the step it refines): `as_the_newer_one_stores`
writes those as the newer version's fold does. `stored_as_newer` and `logged_as_newer` write any other row of the
newer version's, a release's or an event's, in the database it shares with this one.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.engine import open_engine
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events, releases
from services.shared.db.settings import DatabaseSettings
from services.shared.db.standby import ReadModel
from services.shared.events import ReleaseEvent, first_event, parse_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, utcnow
from tests.db.conftest import HAPPY, went_live
from tests.db.newer_events import Logged, logged
from tests.harness import make_release

NEW_STATE = "scanning"
TRACE_ID = "4bf92f3577b34da6"
NEWER_FIELDS = {"scan_report": {"critical": 0, "scanner": "trivy"}}  # a newer version's field of the release


def newer_body(event: ReleaseEvent, *, scanning: bool = True, schema_2: bool = False) -> bytes:
    """The event as the newer Greenlight logs it: `pushing` is its `scanning` (if `scanning`); or at schema
    version 2."""
    body: dict[str, Any] = json.loads(event.dumps())
    if scanning and event.state is S.PUSHING:
        body["state"] = body["release"]["state"] = NEW_STATE
        body["release"].update(NEWER_FIELDS)
        body["trace_id"] = TRACE_ID  # and a newer envelope field
    if schema_2:
        body["schema_version"] = 2
        body["actor"] = {"name": body["actor"], "kind": "service"}
    return json.dumps(body).encode()


def newer_parse(body: bytes) -> ReleaseEvent:
    """The newer Greenlight's parse: it reads its state (as the step it refines, here) and schema version 2."""
    raw = json.loads(body)
    if raw.get("schema_version") == 2:
        raw["schema_version"], raw["actor"] = 1, raw["actor"]["name"]
    if raw.get("state") == NEW_STATE:
        raw["state"] = raw["release"]["state"] = S.PUSHING.value
    return parse_event(json.dumps(raw).encode())


def newer_steps(made: list[ReleaseEvent], upto: S | None = None, *, scanning: bool = True,
                schema_2: S | None = None) -> list[Logged]:
    """A release's events up to `upto` as the newer Greenlight logs them (`pushing` as `scanning`, if `scanning`;
    the `schema_2` step at schema version 2)."""
    if upto is not None:
        made = made[:[e.state for e in made].index(upto) + 1]
    return [(event, f"release.{event.app}.{NEW_STATE}" if scanning and event.state is S.PUSHING
             else event.routing_key, newer_body(event, scanning=scanning, schema_2=event.state is schema_2))
            for event in made]


def staged_over_the_warm_colour(app: str) -> list[Logged]:
    """`app`'s release `<app>-p2` went live on green over `<app>-p1`, which stays warm on blue; then `<app>-p3` was
    deployed on blue (so p1 no longer runs there) and rejected. Each row is this version's until `stored_as_newer`."""
    p1 = went_live(f"{app}-p1", Colour.BLUE, None, app=app)
    p2 = went_live(f"{app}-p2", Colour.GREEN, f"{app}-p1", app=app)
    later = (utcnow() + timedelta(minutes=10)).isoformat()
    p2[-1] = p2[-1].model_copy(update={"details": {"warm_colour": "blue", "scale_down_at": later}})
    p3 = [first_event(make_release(f"{app}-p3", app), actor="ann")]
    for state in (*HAPPY, S.REJECTED):
        p3.append(p3[-1].next(state, actor="test", **({"standby_colour": Colour.BLUE} if state is S.DEPLOYING else {})))
    return logged([*p1, *p2, p1[-1].next(S.SUPERSEDED, actor="switcher"), *p3])


@contextlib.asynccontextmanager
async def newer_replica(bus: Bus, url: str) -> AsyncIterator[ReleaseDatabase]:
    """The newer Greenlight's read model on `url`: once open, it folded everything logged before."""
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    database = ReleaseDatabase(engine, poll_interval=0.2)
    try:
        projector = Projector(bus, database)
        projector.parse = newer_parse
        model = ReadModel(projector, follow_interval=0.02, lease_interval=0.1)
        await model.start(timeout=30)
        try:
            yield database
        finally:
            await model.stop()
    finally:
        database.close()
        await engine.dispose()


async def as_the_newer_one_stores(database: ReleaseDatabase) -> None:
    """Its own state in the rows its fold wrote: the events' `state` column, and a release's row and snapshot."""
    async with database.engine.begin() as connection:
        await connection.execute(events.update().where(events.c.body.like(f'%"state": "{NEW_STATE}"%'))
                                 .values(state=NEW_STATE))
        pushing = '"state":"pushing"'
        await connection.execute(releases.update().where(releases.c.state == S.PUSHING.value).values(
            state=NEW_STATE, snapshot=sa.func.replace(releases.c.snapshot, pushing, f'"state":"{NEW_STATE}"')))


async def stored_as_newer(database: ReleaseDatabase, release_id: str, /, **fields: object) -> None:
    """The release's row as a newer Greenlight could store it: `fields` in its snapshot (and a state, if one is
    given, in its `state` column too)."""
    async with database.engine.begin() as connection:
        where = releases.c.id == release_id
        snapshot = json.loads((await connection.execute(sa.select(releases.c.snapshot).where(where))).scalar_one())
        columns: dict[str, object] = {"snapshot": json.dumps({**snapshot, **fields}, separators=(",", ":"))}
        if isinstance(fields.get("state"), str):
            columns["state"] = fields["state"]
        await connection.execute(releases.update().where(where).values(**columns))


async def logged_as_newer(database: ReleaseDatabase, release_id: str, state: S, /, **fields: object) -> None:
    """The release's `state` event as a newer Greenlight could store it: `fields` in its body (a `state` among them
    too; its `state` column keeps the name)."""
    where = sa.and_(events.c.release_id == release_id, events.c.state == state.value)
    async with database.engine.begin() as connection:
        body = json.loads((await connection.execute(sa.select(events.c.body).where(where))).scalar_one())
        await connection.execute(events.update().where(where).values(body=json.dumps({**body, **fields})))
