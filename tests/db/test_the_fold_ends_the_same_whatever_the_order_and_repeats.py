"""For a release log that can really happen, the read model ends the same however the projector's batches cut it,
with events published again later and consecutive events of one release logged in the other order: the releases,
their kept events and each app's row are those of the log folded in order in one batch.

What the fold promises for each perturbation (fold.py, fold_release.py), and only that: a copy of an event stored
changes nothing (not even its log offset: it keeps the first copy's); an older event arriving after a newer one of
its release is kept in the history as `late` and moves nothing. The batches are folded as the projector folds them
(fold_loop.py): each one `fold_batch_sync` in one transaction, its offsets after the last batch's, a batch of a
reconnected consumer beginning with offsets already folded.

GREENLIGHT_FOLD_EXAMPLES=2000 runs that many random examples instead of CI's fixed few (pass `-p no:timeout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from services.shared.db.fold import Folded
from services.shared.db.read_model_tables import apps, events, projection, releases
from services.shared.db.release_reads import AppRow
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT
from services.shared.protocol import ReleaseState as S
from tests.db.possible_logs import STREAM, draw_case, empty_sync, fold_batch, fold_examples

SERVING = (S.LIVE, S.VERIFYING, S.ROLLING_BACK)  # a release whose colour takes the traffic


@dataclass(frozen=True)
class ReadModel:
    releases: dict[str, dict[str, Any]]
    events: dict[tuple[str, int, int], tuple[str, str]]  # (release, seq, variant) -> (state, body)
    notes: dict[tuple[str, int, int], str | None]
    offsets: dict[tuple[str, int, int], int | None]
    apps: dict[str, dict[str, Any]]
    cards: dict[str, AppRow]  # what the API reads of each app
    folded_through: int


async def _fold(database: ReleaseDatabase, log: list[ReleaseEvent], cuts: list[tuple[int, int]]) -> Folded:
    await database.writer.run(empty_sync)
    total = Folded()
    for start, end in cuts:
        folded = await fold_batch(database, log, start, end)
        total.new, total.duplicates, total.conflicts = (total.new + folded.new, total.duplicates + folded.duplicates,
                                                        total.conflicts + folded.conflicts)
    return total


async def _read(database: ReleaseDatabase, names: set[str]) -> ReadModel:
    async with database.engine.connect() as connection:
        release_rows = (await connection.execute(sa.select(releases))).mappings().all()
        event_rows = (await connection.execute(sa.select(events))).mappings().all()
        app_rows = (await connection.execute(sa.select(apps))).mappings().all()
        through = (await connection.execute(sa.select(projection.c.log_offset)
                                            .where(projection.c.stream == STREAM))).scalar_one()
    keys = [(row["release_id"], row["seq"], row["variant"]) for row in event_rows]
    return ReadModel(
        releases={row["id"]: dict(row) for row in release_rows},
        events={key: (row["state"], row["body"]) for key, row in zip(keys, event_rows, strict=True)},
        notes={key: row["note"] for key, row in zip(keys, event_rows, strict=True)},
        offsets={key: row["log_offset"] for key, row in zip(keys, event_rows, strict=True)},
        apps={row["app"]: {k: v for k, v in row.items() if k != "updated_at"} for row in app_rows},
        cards={name: await database.app(name) for name in sorted(names)},
        folded_through=through)


def _as_the_log_says(log: list[ReleaseEvent]) -> dict[str, dict[str, Any]]:
    """Each app's row as the services mean it, from the releases' last events in `log` (in order, no repeats): the
    release serving (live, verifying or being rolled back) and its colour; the one in flight; the standby, which is
    the release in flight once it is staged on a colour, else the last one superseded (its colour is kept warm)."""
    last = {event.release_id: event for event in log}
    superseded = [e.release_id for e in log if e.state is S.SUPERSEDED and last[e.release_id].state is S.SUPERSEDED]
    rows = {}
    for app in {event.app for event in log}:
        mine = [e for e in last.values() if e.app == app]
        serving = [e for e in mine if e.state in SERVING]
        in_flight = [e for e in mine if e.state in IN_FLIGHT]
        assert len(serving) <= 1 and len(in_flight) <= 1, "the generated log is not one that can happen"
        live = serving[0] if serving else None
        moving = in_flight[0] if in_flight else None
        colour = live.release.standby_colour if live else None
        staged = moving if moving and moving.release.standby_colour and moving.state not in SERVING else None
        warm = [rid for rid in superseded if last[rid].app == app]
        rows[app] = {"app": app, "live_release": live.release_id if live else None,
                     "live_colour": colour.value if colour else None,
                     "standby_release": staged.release_id if staged else (warm[-1] if warm else None),
                     "in_flight_release": moving.release_id if moving else None}
    return rows


def _first_arrivals(log: list[ReleaseEvent]) -> tuple[dict[tuple[str, int], int], set[tuple[str, int]]]:
    """Each event's first offset in `log`, and the events whose first copy came after a newer one of its release."""
    first: dict[tuple[str, int], int] = {}
    newest: dict[str, int] = {}
    late = set()
    for offset, event in enumerate(log):
        key = (event.release_id, event.seq)
        if key in first:
            continue
        first[key] = offset
        if event.seq < newest.get(event.release_id, 0):
            late.add(key)
        newest[event.release_id] = max(event.seq, newest.get(event.release_id, 0))
    return first, late


@fold_examples(150)
@given(data=st.data())
async def test_the_fold_ends_the_same_whatever_the_order_and_repeats(database: ReleaseDatabase,
                                                                    data: st.DataObject) -> None:
    case = draw_case(data)
    canonical, mixed, log, cuts = case.canonical, case.mixed, case.log, case.cuts
    names = {event.app for event in canonical}

    await _fold(database, canonical, [(0, len(canonical))])
    expected = await _read(database, names)
    folded = await _fold(database, log, cuts)
    got = await _read(database, names)

    assert got.releases == expected.releases
    assert got.events == expected.events  # the same events kept, each (release, seq) once, at variant 0
    assert got.apps == expected.apps
    assert got.cards == expected.cards
    assert set(expected.notes.values()) == {None}  # the canonical log is all legal, in order
    assert expected.apps == _as_the_log_says(canonical)
    first, late = _first_arrivals(log)
    assert {key: n for key, n in got.notes.items() if n is not None} == {(*key, 0): "late" for key in late}
    assert got.offsets == {(*key, 0): offset for key, offset in first.items()}  # a copy keeps the first's offset
    assert got.folded_through == len(log) - 1
    assert (folded.new, folded.duplicates, folded.conflicts) == (len(canonical), len(mixed.duplicates), 0)
