"""While a rotation keeps a hook's previous secret, the operator needs to know when its sender has moved over, to
unset it: each delivery only the previous secret verifies logs one line naming the hook and the setting to unset.
Neither secret nor the signature the sender sent is in it (nor in any other line); a delivery signed with the current
secret logs no such line."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from services.shared.signing import SIGNATURE_HEADER, github_signature, sign
from tests.approval.fakes import FakeResolver
from tests.hooks.conftest import Client
from tests.hooks.fake_slack import FakeSlack

CURRENT = {"github": "github-secret-set-today", "gitlab": "gitlab-token-set-today",
           "generic": "generic-secret-set-today", "slack": "slack-secret-set-today"}
PREVIOUS = {"github": "github-secret-of-last-year", "gitlab": "gitlab-token-of-last-year",
            "generic": "generic-secret-of-last-year", "slack": "slack-secret-of-last-year"}
SETTING = {"github": "GREENLIGHT_HOOKS_GITHUB_SECRET_PREVIOUS", "gitlab": "GREENLIGHT_HOOKS_GITLAB_TOKEN_PREVIOUS",
           "generic": "GREENLIGHT_HOOKS_GENERIC_SECRET_PREVIOUS",
           "slack": "GREENLIGHT_HOOKS_SLACK_SIGNING_SECRET_PREVIOUS"}

SIGNED = {"X-Hub-Signature-256", "X-Gitlab-Token", SIGNATURE_HEADER, "X-Slack-Signature"}


@pytest.fixture
async def api(bus_settings: BusSettings, postgres_url: str) -> AsyncIterator[Client]:
    hooks = HookSettings(github_secret=CURRENT["github"], github_secret_previous=PREVIOUS["github"],
                         gitlab_token=CURRENT["gitlab"], gitlab_token_previous=PREVIOUS["gitlab"],
                         generic_secret=CURRENT["generic"], generic_secret_previous=PREVIOUS["generic"],
                         slack_signing_secret=CURRENT["slack"], slack_signing_secret_previous=PREVIOUS["slack"])
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(), hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def delivery(hook: str, secret: str) -> tuple[bytes, dict[str, str]]:
    """A delivery signed with `secret`, of what each hook takes without releasing anything (no app is configured):
    GitHub's ping, a GitLab event other than a push, a generic push of no app's repository, an unmapped user's press."""
    if hook == "github":
        body = b'{"zen": "Keep it logically awesome."}'
        return body, {"X-Hub-Signature-256": github_signature(secret, body), "X-GitHub-Event": "ping",
                      "X-GitHub-Delivery": "d-1", "Content-Type": "application/json"}
    if hook == "gitlab":
        return b"{}", {"X-Gitlab-Token": secret, "X-Gitlab-Event": "Tag Push Hook"}
    if hook == "generic":
        body = json.dumps({"repository": "https://example.org/none.git", "ref": "refs/heads/main", "after": "a" * 40,
                           "delivery": "x-1"}).encode()
        return body, {SIGNATURE_HEADER: sign(secret, body)}
    slack = FakeSlack(secret)
    body = slack.press("U0NOBODY", "r1")
    return body, slack.headers(body)


async def test_a_delivery_signed_with_the_previous_secret_logs_the_hook_and_no_secret(api: Client) -> None:
    sent: list[str] = []  # every signature header a sender sent (GitLab's: the token)
    answered: dict[str, list[int]] = {}
    with structlog.testing.capture_logs() as logs:
        for hook in CURRENT:
            for secret in (PREVIOUS[hook], CURRENT[hook]):
                body, headers = delivery(hook, secret)
                sent += [value for name, value in headers.items() if name in SIGNED]
                path = "/hooks/slack/actions" if hook == "slack" else f"/hooks/{hook}"
                response = await api.post(path, data=body, headers=headers)
                answered.setdefault(hook, []).append(response.status)
    # Taken (the unmapped Slack user is 403 past the signature), with either secret.
    assert answered == {"github": [200, 200], "gitlab": [200, 200], "generic": [200, 200], "slack": [403, 403]}
    lines = [e for e in logs if "previous secret" in e["event"]]
    assert [(e["hook"], e["setting"], e["log_level"]) for e in lines] == [
        (hook, SETTING[hook], "warning") for hook in CURRENT], logs
    signatures = [part for value in sent for part in re.split(r"[=,]", value) if len(part) >= 16]
    assert len(signatures) == 8, sent
    shown = [e for e in logs if any(s in repr(e) for s in (*CURRENT.values(), *PREVIOUS.values(), *signatures))]
    assert shown == []
