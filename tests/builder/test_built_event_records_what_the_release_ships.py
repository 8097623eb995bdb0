"""The builder service records on `built` every commit the release ships since the API's `live_commit`, fetched
over file:// (shallow, then deepened): before, its `commits` held the head alone and the lead time counted one
change for a release of three. A live commit that is no ancestor (a force push) records the head only, and the
release is built all the same. The approver's `commits` list is read before the history is fetched, as before."""

from __future__ import annotations

from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import CLEAN_DOCKERFILE, app_files, make_repo
from tests.infra import EventTap


async def test_built_records_each_commit_since_the_live_one(builder, tap: EventTap, tmp_path: Path,
                                                            app_name: str) -> None:
    repo, live = make_repo(tmp_path / "repo", app_files(CLEAN_DOCKERFILE))
    new = [repo.commit({"notes.txt": str(n)}, f"change {n}") for n in range(3)][::-1]
    repo.git("branch", "gone", live)
    repo.git("reset", "-q", "--hard", "HEAD~3")
    rewritten = repo.commit({"notes.txt": "other"}, "rewritten")  # the live commit's history, force pushed
    repo.git("reset", "-q", "--hard", new[0])
    shipped = request(f"file://{repo.path}", new[0], app_name, rid="r1")
    shipped.details["live_commit"] = live
    forced = request(f"file://{repo.path}", rewritten, app_name, rid="r2")
    forced.details["live_commit"] = new[0]
    async with builder() as app:
        await app[BUS].publish(shipped)
        built = await tap.wait("r1", S.BUILT, S.FAILED)
        await app[BUS].publish(forced)
        rebuilt = await tap.wait("r2", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    record = built.details["shipped"]
    assert [sha for sha, _ in record["commits"]] == new and record["complete"] and record["since"] == live
    assert [c["sha"] for c in built.details["commits"]] == [new[0]]  # the approver's list read as before: shallow
    assert rebuilt.state == S.BUILT, rebuilt.release.error
    record = rebuilt.details["shipped"]
    assert [sha for sha, _ in record["commits"]] == [rewritten] and not record["complete"]
    assert "history rewritten" in record["note"]
