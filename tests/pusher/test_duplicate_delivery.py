"""A duplicated or redelivered `built` pushes once and re-emits the same `pushed` event."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.infra import EventTap
from tests.pusher.conftest import BuiltImage, CountingEngine, built_event


async def test_duplicate_built_pushes_once(pusher, tap: EventTap, engine: CountingEngine,
                                           built_image: BuiltImage) -> None:
    event = built_event(built_image)
    async with pusher() as app:
        await app[BUS].publish(event)
        await app[BUS].publish(event)
        await tap.wait("r1", S.PUSHED, count=2)
        await app[BUS].publish(event)  # a late redelivery, after the push
        await tap.wait("r1", S.PUSHED, count=3)

    assert len(engine.pushes) == 1
    pushed = tap.of("r1", S.PUSHED)
    assert {e.message_id for e in pushed} == {"r1/5"}
    assert len({e.release.digest for e in pushed}) == 1
    assert [e.details["skipped"] for e in pushed].count(False) == 1
    # Whichever copy a consumer keeps, it names the same image: only `skipped` may tell them apart.
    assert len({(e.release.image, e.details["image"], e.details["digest"]) for e in pushed}) == 1
    assert pushed[0].release.image == pushed[0].details["image"]
    assert all("note" not in e.details for e in pushed)
    assert tap.of("r1", S.FAILED) == []
