"""A signed push while the git server cannot be reached (the hook asks it for the branch's head) is the server's
trouble: 503 with Retry-After, as for `POST /releases`, not a 500 with a traceback; it claims nothing, so the
host's redelivery releases once the server is back."""

from __future__ import annotations

import pytest

from services.approval.hook_settings import HookApp, HookSettings
from services.shared.settings import BusSettings
from tests.hooks.conftest import GITHUB_SECRET, github_push, hooked_api, post_github, releases_of
from tests.hooks.git_daemon import Served
from tests.ports import free_port as closed_port  # nothing listens there


async def test_a_push_while_the_git_server_is_down_is_503_and_its_redelivery_releases(
        bus_settings: BusSettings, postgres_url: str, served: Served, caplog: pytest.LogCaptureFixture) -> None:
    commit = served.push("second")
    down = f"git://127.0.0.1:{closed_port()}/demo.git"
    hooks = HookSettings(github_secret=GITHUB_SECRET, apps=[HookApp(app="demo", repository=down, branch="main")])
    async with hooked_api(bus_settings, hooks) as api:
        status, body = await post_github(api, github_push(down, commit), "d-down")
        assert status == 503, body
        assert "try again" in body["error"]
        assert await releases_of(api) == []
    assert "unhandled error" not in caplog.text

    # The server is back (the same repository, now served): the host's redelivery of that delivery releases.
    back = HookSettings(github_secret=GITHUB_SECRET,
                        apps=[HookApp(app="demo", repository=served.url, branch="main", aliases=(down,))])
    async with hooked_api(bus_settings, back) as api:
        status, body = await post_github(api, github_push(down, commit), "d-down")
        assert status == 202, body
        assert body["results"][0]["outcome"] == "released"
