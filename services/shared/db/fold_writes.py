"""What a fold (fold.py) writes once it has decided: refused events moved below variant 0, log offsets gained,
release rows updated and created, and the new events; each kind in one executemany, whatever the batch holds (none
for a kind it has none of).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from services.shared.db.driver import execute_many
from services.shared.db.fold_release import Current
from services.shared.db.rows import release_row
from services.shared.db.schema import events, releases
from services.shared.events import ReleaseEvent

_SET_VARIANT = (events.update().where(events.c.release_id == sa.bindparam("k_release"),
                                      events.c.seq == sa.bindparam("k_seq"),
                                      events.c.variant == sa.bindparam("k_variant"))
                .values(variant=sa.bindparam("v")))
_SET_OFFSET = (events.update().where(events.c.release_id == sa.bindparam("k_release"),
                                     events.c.seq == sa.bindparam("k_seq"),
                                     events.c.variant == sa.bindparam("k_variant"))
               .values(log_offset=sa.bindparam("o")))
# No .values(): the SET clause is every column the rows name (k_id only feeds the WHERE).
_UPDATE_RELEASE = releases.update().where(releases.c.id == sa.bindparam("k_id"))
_INSERT_RELEASE = releases.insert()
_INSERT_EVENT = events.insert()


def write_folded(connection: sa.Connection, inserts: list[dict[str, Any]], offsets: list[dict[str, Any]],
                 changed: dict[str, ReleaseEvent], current: dict[str, Current], moves: list[dict[str, Any]]) -> None:
    execute_many(connection, _SET_VARIANT, moves)  # first: the offsets and inserts name the variants after them
    execute_many(connection, _SET_OFFSET, offsets)
    updates: list[dict[str, Any]] = []
    creates: list[dict[str, Any]] = []
    for release_id, event in changed.items():
        row = release_row(event.release, current[release_id].in_flight)
        (updates if current[release_id].exists else creates).append(row)
    # Rows that leave the in-flight set first, so the partial unique index never sees two at once.
    updates.sort(key=lambda row: row["in_flight"])
    execute_many(connection, _UPDATE_RELEASE, updates)
    execute_many(connection, _INSERT_RELEASE, [{("id" if k == "k_id" else k): v for k, v in row.items()}
                                               for row in creates])
    execute_many(connection, _INSERT_EVENT, inserts)
