"""Rolling back puts the previous release's colour (kept warm) live again; the proxy serves it."""

from __future__ import annotations

from services.shared.local import LocalSettings
from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import Stack
from tests.fixtures_repo import FixtureRepo
from tests.local_platform.fixtures import through_proxy


async def test_rollback_restores_the_previous_colour(stack: Stack, repo: FixtureRepo, app_name: str,
                                                     local_settings: LocalSettings) -> None:
    first = repo.git("rev-parse", "HEAD")
    r1 = await stack.ship(app_name, repo.url, first)
    second = repo.commit({"www/note.txt": "second\n"}, "second version")
    r2 = await stack.ship(app_name, repo.url, second)
    newest = await through_proxy(local_settings, app_name)

    before = await stack.last_offset()
    answer = await stack.rollback(app_name, "the second version misbehaves")
    rolled_back = await stack.wait(r2, S.ROLLED_BACK, S.LIVE, after=before)  # live again: refused
    restored = await stack.wait(r1, S.LIVE, after=before)
    served = await through_proxy(local_settings, app_name)

    assert answer.status_code == 202 and answer.json()["state"] == "rolling_back"
    assert newest == (200, f"version={second} colour=green\n", "green")
    assert rolled_back.state is S.ROLLED_BACK
    assert [e.state for e in await stack.history(r1)][-2:] == [S.SUPERSEDED, S.LIVE]
    assert restored.state is S.LIVE and served == (200, f"version={first} colour=blue\n", "blue")
