"""A push payload larger than the API's own body limit (64 KiB) is still a push: GitHub lists every file a commit
touched (up to 5,000 paths per list, 2,048 commits, 25 MB in all), so a commit that reformats or vendors a tree
makes a payload of hundreds of KiB. It used to be refused with 413, so the push released nothing. The hooks read
up to GREENLIGHT_HOOKS_MAX_BODY_BYTES (GitHub's 25 MB by default); past it, 413 as before."""

from __future__ import annotations

import json

from services.approval.hook_settings import HookSettings
from services.shared.settings import BusSettings
from tests.hooks.conftest import Client, hooked_api, post_github, releases_of
from tests.hooks.git_daemon import Served


def large_push(url: str, after: str) -> bytes:
    """A push of one commit that touched 3,000 files, as GitHub describes it."""
    files = [f"static/generated/page-{n:05d}/index.html" for n in range(3000)]
    commit = {"id": after, "message": "Rebuild the site", "added": [], "removed": [], "modified": files}
    body = json.dumps({"ref": "refs/heads/main", "before": "0" * 40, "after": after, "commits": [commit],
                       "head_commit": commit, "repository": {"clone_url": url}}).encode()
    assert len(body) > 128 * 1024
    return body


async def test_a_push_of_a_commit_touching_many_files_releases(api: Client, served: Served) -> None:
    commit = served.push("second")
    status, body = await post_github(api, large_push(served.url, commit), "d-large")
    assert status == 202, body
    assert body["results"][0]["outcome"] == "released"
    assert [r.commit for r in await releases_of(api)] == [commit]


async def test_past_the_hooks_limit_a_push_is_413(bus_settings: BusSettings, hooks: HookSettings,
                                                  served: Served) -> None:
    commit = served.push("second")
    small = hooks.model_copy(update={"max_body_bytes": 100 * 1024})
    async with hooked_api(bus_settings, small) as api:
        status, body = await post_github(api, large_push(served.url, commit), "d-large")
        assert status == 413, body
        assert await releases_of(api) == []
