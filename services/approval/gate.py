"""The approval gate: the release a decision is made on, as of its latest event, waited for when it is still on
its way.

A client that saw `awaiting_approval` on the log (AMQP) can decide before the read model folded it, so the gate
waits up to `gate_catch_up`. An event this process's projector was delivered and has not folded is taken at
once, with the events that lead to it: the decision is recorded after them.
"""

from __future__ import annotations

import asyncio

from services.shared.db.fold import Item
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent
from services.shared.protocol import BEFORE_APPROVAL


async def at_gate(store: ReleaseDatabase, release_id: str, catch_up: float) -> tuple[ReleaseEvent | None, list[Item]]:
    """The release's latest event (None for an unknown release), and the unfolded events it continues."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + catch_up
    # Projecting, this process is woken by a delivery of the release's own events, and looks again every 50 ms
    # only for another replica's records; standing by, it hears of the leader's folds at its next poll (every
    # 50 ms on SQLite), so it looks sooner, backing off.
    pause = 0.05 if store.projecting else 0.002
    with store.watching(release_id) as delivered:
        while True:
            delivered.clear()
            version, seen = store.version, store.arrived(release_id)
            latest = await store.latest(release_id)
            if latest is None or latest.state not in BEFORE_APPROVAL:
                return latest, []
            if (ahead := store.ahead_of(latest, seen)) and ahead[-1].event.state not in BEFORE_APPROVAL:
                return ahead[-1].event, ahead
            left = deadline - loop.time()
            if left <= 0:
                return latest, []
            await store.moved(delivered, version, min(left, pause))
            pause = min(pause * 2, 0.05)
