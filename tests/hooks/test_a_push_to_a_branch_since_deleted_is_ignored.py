"""A push to the configured branch is released only if `after` is still the branch's head; a late delivery of an
older push is `ignored` (README). A delivery that arrives once its branch was deleted (the push, then the branch's
deletion, delivered in that order, or that push redelivered later) was a 502 "Cannot read release of demo's
repository" instead: the head check read the git server's "no such branch" as the repository being unreadable.
The host shows the delivery as failed, every redelivery fails the same way, and the answer blames a repository
that reads fine."""

from __future__ import annotations

from services.approval.hook_settings import HookApp, HookSettings
from services.shared.settings import BusSettings
from tests.hooks.conftest import GITHUB_SECRET, github_push, hooked_api, post_github, releases_of
from tests.hooks.git_daemon import Served


async def test_a_late_delivery_to_a_deleted_branch_is_ignored(
        bus_settings: BusSettings, postgres_url: str, served: Served) -> None:
    hooks = HookSettings(github_secret=GITHUB_SECRET,
                         apps=[HookApp(app="demo", repository=served.url, branch="release")])
    commit = served.work.commit({"app.txt": "to release"}, "to release")
    served.work.git("push", "-q", served.url, "HEAD:refs/heads/release")
    served.work.git("push", "-q", served.url, ":refs/heads/release")  # the branch is deleted
    async with hooked_api(bus_settings, hooks) as api:
        status, body = await post_github(api, github_push(served.url, commit, "refs/heads/release"), "d-late")
        assert status == 200, body
        [result] = body["results"]
        assert result["outcome"] == "ignored", body
        assert await releases_of(api) == []
