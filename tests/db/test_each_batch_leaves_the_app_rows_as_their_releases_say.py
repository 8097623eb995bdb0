"""After every batch the projector commits, each app's row is the one its releases give (appstate.py recomputed from
scratch), for a release log that can really happen, with its repeats and late events, however the batches cut it.

The fold recomputes an app's row only when what the row reads of a release changed (fold.py, `Current.shown`): a
change it misses leaves the API showing a live release, colour, standby or release in flight that the releases no
longer say, until some later event of the app happens to recompute the row. The last batch alone would not tell:
here every batch's commit is checked, as an API reading between two batches sees it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from services.shared.db.appstate import recompute_apps_sync
from services.shared.db.read_model_tables import apps
from services.shared.db.releases import ReleaseDatabase
from tests.db.possible_logs import draw_case, empty_sync, fold_batch, fold_examples


def _rows(connection: sa.Connection) -> dict[str, dict[str, Any]]:
    return {row["app"]: {k: v for k, v in row.items() if k != "updated_at"}
            for row in connection.execute(sa.select(apps)).mappings()}


def _stored_and_recomputed(connection: sa.Connection, names: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    stored = _rows(connection)
    recompute_apps_sync(connection, names, take_turns=False)
    return stored, _rows(connection)


@fold_examples(80)
@given(data=st.data())
async def test_each_batch_leaves_the_app_rows_as_their_releases_say(database: ReleaseDatabase,
                                                                   data: st.DataObject) -> None:
    case = draw_case(data)
    log, cuts = case.log, case.cuts
    names = sorted({event.app for event in case.canonical})

    await database.writer.run(empty_sync)
    for start, end in cuts:
        await fold_batch(database, log, start, end)
        async with database.engine.connect() as connection:  # the recompute rolled back: only compared
            stored, recomputed = await connection.run_sync(_stored_and_recomputed, names)
            await connection.rollback()
        folded = {event.app for event in log[:end]}
        assert stored == {name: row for name, row in recomputed.items() if name in folded}, (
            f"after the batch of offsets {start}..{end - 1}")
