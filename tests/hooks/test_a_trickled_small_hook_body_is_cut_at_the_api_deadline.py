"""A git hook body up to GREENLIGHT_HOOKS_SMALL_BODY_BYTES takes no slot, and had no deadline: a sender that
trickled one (unsigned: it is read before its signature is checked) held its connection and handler for as long as
it went on. It must now arrive within GREENLIGHT_API_BODY_READ_SECONDS, as every body the API reads, else 408 naming
that setting and the connection closed at once. Before, the sender below was never answered."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.approval.trickled_bodies import DEADLINE, cut_at_the_deadline, trickled, trickling
from tests.hooks.conftest import GENERIC_SECRET, GITHUB_SECRET, GITLAB_TOKEN

HOOKS = {  # each hook's path and the headers of an unsigned delivery
    "github": ("/hooks/github", {"X-GitHub-Event": "push", "X-GitHub-Delivery": "d-slow"}),
    "gitlab": ("/hooks/gitlab", {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": GITLAB_TOKEN}),
    "generic": ("/hooks/generic", {}),
}


@pytest.mark.parametrize("hook", HOOKS)
async def test_a_trickled_small_hook_body_is_answered_408_and_closed(bus_settings: BusSettings, hook: str) -> None:
    hooks = HookSettings(github_secret=GITHUB_SECRET, gitlab_token=GITLAB_TOKEN, generic_secret=GENERIC_SECRET)
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings, body_read_seconds=DEADLINE),
                     resolver=FakeResolver(), hooks=hooks)
    path, headers = HOOKS[hook]
    async with TestClient(TestServer(app, host="127.0.0.1")) as api, \
            trickled(api, path, {**headers, "Content-Type": "application/json"}, 60_000) as slow, trickling(slow):
        error = await cut_at_the_deadline(api, slow)
    assert error == {"error": "The hook body was not sent within GREENLIGHT_API_BODY_READ_SECONDS (2 s)."}
