"""The `built` event carries the commits the release brings, read by the source adapter from the clone the
build fetched (newest first, the release's own commit first): the approver's context on the dashboard."""

from __future__ import annotations

from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import request
from tests.fixtures_repo import CLEAN_DOCKERFILE, app_files, make_repo
from tests.infra import EventTap


async def test_built_lists_the_releases_commits(builder, tap: EventTap, tmp_path: Path, app_name: str) -> None:
    repo, first = make_repo(tmp_path / "repo", app_files(CLEAN_DOCKERFILE))
    second = repo.commit({"notes.txt": "2"}, "Show prices in the local currency")
    async with builder() as app:
        await app[BUS].publish(request(repo.url, second, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    commits = (built.details or {})["commits"]
    assert [c["sha"] for c in commits] == [second, first]
    assert commits[0]["subject"] == "Show prices in the local currency"
