"""GitHub sends a webhook's payload as JSON or, with the content type `application/x-www-form-urlencoded` (the
default of its API, `content_type: form`, and a choice in its settings page), as the form field `payload`; the
signature is over the raw form body either way. Such a push used to be refused with 400 ("not valid JSON"),
every time, so nothing was ever released."""

from __future__ import annotations

from urllib.parse import urlencode

from services.shared.signing import github_signature
from tests.hooks.conftest import GITHUB_SECRET, Client, github_push, releases_of
from tests.hooks.git_daemon import Served

FORM = "application/x-www-form-urlencoded"


async def post_form(api: Client, body: bytes, delivery: str, *, secret: str = GITHUB_SECRET,
                    event: str = "push") -> tuple[int, dict[str, object]]:
    response = await api.post("/hooks/github", data=body, headers={
        "X-Hub-Signature-256": github_signature(secret, body), "X-GitHub-Delivery": delivery,
        "X-GitHub-Event": event, "Content-Type": FORM})
    return response.status, await response.json()


async def test_a_form_encoded_push_releases_once(api: Client, served: Served) -> None:
    commit = served.push("second")
    body = urlencode({"payload": github_push(served.url, commit).decode()}).encode()
    status, answer = await post_form(api, body, "d-form")
    assert status == 202, answer
    assert [r.commit for r in await releases_of(api)] == [commit]
    status, answer = await post_form(api, body, "d-form")  # redelivered
    assert status == 200 and answer["results"] == [{"outcome": "duplicate",
                                                     "reason": "this delivery was acted on already"}]


async def test_a_form_without_a_payload_or_signed_otherwise_releases_nothing(api: Client, served: Served) -> None:
    commit = served.push("second")
    status, answer = await post_form(api, b"other=1", "d-empty")
    assert status == 400, answer
    body = urlencode({"payload": github_push(served.url, commit).decode()}).encode()
    status, answer = await post_form(api, body, "d-forged", secret="not-the-github-secret")
    assert status == 401, answer
    assert await releases_of(api) == []
