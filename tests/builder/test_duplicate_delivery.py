"""A duplicated or redelivered request builds once and re-emits the same `built` event."""

from __future__ import annotations

from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


async def test_duplicate_request_builds_once(builder, tap: EventTap, engine: CountingEngine, tmp_path: Path,
                                             app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files())
    event = request(repo.url, sha, app_name)
    async with builder() as app:
        # Two copies at once (a publisher retry), then a late third (a redelivery after a crash).
        await app[BUS].publish(event)
        await app[BUS].publish(event)
        first = await tap.wait("r1", S.BUILT, count=2)
        await app[BUS].publish(event)
        third = await tap.wait("r1", S.BUILT, count=3)

    assert len(engine.builds) == 1
    built = tap.of("r1", S.BUILT)
    assert {e.message_id for e in built} == {first.message_id} == {"r1/3"}
    assert {e.release.image for e in built} == {third.release.image}
    assert [e.details["reused"] for e in built].count(False) == 1
    assert {e.message_id for e in tap.of("r1", S.BUILDING)} == {"r1/2"}
