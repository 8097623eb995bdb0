"""While a release of an app awaits approval, a second release of that app is refused with 409."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import Stack
from tests.fixtures_repo import FixtureRepo


async def test_second_release_while_one_awaits_approval_is_409(stack: Stack, repo: FixtureRepo,
                                                                app_name: str) -> None:
    first = await stack.release(app_name, repo.url, repo.git("rev-parse", "HEAD"))
    await stack.wait(first, S.AWAITING_APPROVAL)
    newer = repo.commit({"www/note.txt": "newer\n"}, "newer")
    refused = await stack.request(app_name, repo.url, newer)

    assert refused.status_code == 409
    body = refused.json()
    assert body["blocking_release"] == first and body["state"] == "awaiting_approval" and body["error"]
    assert [r.id for r in await stack.releases_of(app_name)] == [first]
