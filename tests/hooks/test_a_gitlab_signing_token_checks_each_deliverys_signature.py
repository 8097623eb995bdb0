"""GitLab's signing token (GitLab 19.0 on): each delivery's `webhook-signature` is checked over its body, id and time.

`X-Gitlab-Token` travels in clear with every delivery and proves nothing about the body: anyone who saw one delivery
could send any push. GitLab now signs each delivery as Standard Webhooks specifies; with
GREENLIGHT_HOOKS_GITLAB_SIGNING_TOKEN set, a delivery releases only if its signature is the token's over its body,
`webhook-id` and a `webhook-timestamp` within 5 minutes, and the signed `webhook-id` names the delivery (a replay
under another `Idempotency-Key` is a duplicate); with the plain token set too, both are checked.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from services.approval.hook_settings import HookApp, HookSettings
from services.shared.settings import BusSettings
from tests.hooks.conftest import GITLAB_TOKEN, hooked_api, releases_of
from tests.hooks.git_daemon import Served

SIGNING = "whsec_" + base64.b64encode(b"greenlight-signing-key-32-bytes!").decode()
OTHER = "whsec_" + base64.b64encode(b"someone-elses-signing-key-32-byt").decode()


def gitlab_push(url: str, after: str) -> bytes:
    return json.dumps({"object_kind": "push", "ref": "refs/heads/main", "after": after,
                       "project": {"git_http_url": url, "web_url": "https://gitlab.example.org/demo"}}).encode()


def signed_headers(body: bytes, delivery: str, token: str = SIGNING, age: timedelta = timedelta(0),
                   **extra: str) -> Mapping[str, str]:
    when = datetime.now(UTC) - age
    return {"X-Gitlab-Event": "Push Hook", "Idempotency-Key": delivery, "webhook-id": delivery,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(token).sign(delivery, when, body), **extra}


async def test_only_a_fresh_signature_of_the_body_by_the_token_releases(bus_settings: BusSettings,
                                                                        served: Served) -> None:
    hooks = HookSettings(gitlab_signing_token=SIGNING, apps=[HookApp(app="demo", repository=served.url)])
    async with hooked_api(bus_settings, hooks) as api:
        commit = served.push("second")
        body = gitlab_push(served.url, commit)
        refusals = {
            "no signature": {"X-Gitlab-Event": "Push Hook", "Idempotency-Key": "d-0"},
            "another token's": signed_headers(body, "d-1", OTHER),
            "another body's": signed_headers(body.replace(b"main", b"mine"), "d-2"),
            "another id's": {**signed_headers(body, "d-3"), "webhook-id": "d-4"},
            "six minutes old": signed_headers(body, "d-5", age=timedelta(minutes=6)),
            "an odd header": {**signed_headers(body, "d-6"), "webhook-signature": "v1,\u00e9"},
        }
        for case, headers in refusals.items():
            refused = await api.post("/hooks/gitlab", data=body, headers=headers)
            assert refused.status == 401, (case, await refused.text())
            assert "webhook-signature" in (await refused.json())["error"], case
        assert await releases_of(api) == []
        delivered = signed_headers(body, "d-7")
        taken = await api.post("/hooks/gitlab", data=body, headers=delivered)
        assert taken.status == 202, await taken.text()
        # Sent again within the 5 minutes under an unsigned id of its own: the signed webhook-id names it.
        for replay in ({**delivered, "Idempotency-Key": "forged-1"},
                       {k: v for k, v in delivered.items() if k != "Idempotency-Key"} | {"X-Gitlab-Event-UUID": "f-2"}):
            again = await api.post("/hooks/gitlab", data=body, headers=replay)
            assert (again.status, (await again.json())["results"][0]["outcome"]) == (200, "duplicate")


async def test_with_the_plain_token_too_both_are_checked(bus_settings: BusSettings, served: Served) -> None:
    hooks = HookSettings(gitlab_token=GITLAB_TOKEN, gitlab_signing_token=SIGNING,
                         apps=[HookApp(app="demo", repository=served.url)])
    async with hooked_api(bus_settings, hooks) as api:
        body = gitlab_push(served.url, served.push("second"))
        token_only = await api.post("/hooks/gitlab", data=body, headers={
            "X-Gitlab-Event": "Push Hook", "Idempotency-Key": "t-1", "X-Gitlab-Token": GITLAB_TOKEN})
        assert token_only.status == 401 and "webhook-signature" in (await token_only.json())["error"]
        signature_only = await api.post("/hooks/gitlab", data=body, headers=signed_headers(body, "t-2"))
        assert signature_only.status == 401 and "X-Gitlab-Token" in (await signature_only.json())["error"]
        both = await api.post("/hooks/gitlab", data=body,
                              headers=signed_headers(body, "t-3", **{"X-Gitlab-Token": GITLAB_TOKEN}))
        assert both.status == 202, await both.text()
