"""A malformed event in the release log (not JSON, no release id, a lone surrogate) is still skipped by the projector,
which stays the leader and ready and folds what follows: only an event a newer Greenlight reads stops it
(test_newer_versions_event_is_left_to_a_replica_that_reads_it.py), else one poison message would stop the
projection for good."""

from __future__ import annotations

import json

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain
from tests.db.newer_events import logged, publish_bodies, read_model, stored
from tests.harness import make_release, wait_for_state


async def test_a_malformed_event_is_skipped_and_the_projection_goes_on(bus: Bus, database: ReleaseDatabase) -> None:
    poison = first_event(make_release("r-poison", "shop"), actor="ann")
    valid = json.loads(poison.dumps())
    bodies = [b"{not json", json.dumps({k: v for k, v in valid.items() if k != "release_id"}).encode(),
              poison.dumps().replace(b'"ann"', b'"a\\ud800b"')]
    readiness = {"database": True}
    async with read_model(bus, database, readiness=readiness) as model:
        await publish_bodies(bus, [(poison, poison.routing_key, body) for body in bodies] + logged(chain("r1")))
        await wait_for_state(database, "r1", S.AWAITING_APPROVAL, timeout=15)
        assert model.leading and model.ready and model.left_to_newer is None and readiness == {"database": True}
        assert [rid for rid, _ in await stored(database)] == ["r1"] * 7
        assert await database.get("r-poison") is None
