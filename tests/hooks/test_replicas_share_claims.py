"""Two API replicas on one database: the same delivery sent to both at once, and two deliveries of one
commit, make one release between them."""

from __future__ import annotations

import asyncio

from services.approval.hook_settings import HookSettings
from services.shared.settings import BusSettings
from tests.hooks.conftest import github_push, hooked_api, post_github
from tests.hooks.git_daemon import Served


async def test_replicas_release_a_delivered_commit_once_between_them(
        bus_settings: BusSettings, hooks: HookSettings, served: Served) -> None:
    commit = served.push("second")
    body = github_push(served.url, commit)
    async with hooked_api(bus_settings, hooks) as one, hooked_api(bus_settings, hooks) as two:
        answers = await asyncio.gather(post_github(one, body, "same"), post_github(two, body, "same"),
                                       post_github(one, body, "other"), post_github(two, body, "another"))
    outcomes = sorted(result["results"][0]["outcome"] for _, result in answers)
    assert outcomes.count("released") == 1, answers
    assert set(outcomes) <= {"released", "duplicate", "already_released"}, answers
