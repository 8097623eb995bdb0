"""A hook "without its secret answers 404" (README), and a blank secret is no secret. Set blank in the
environment (`GREENLIGHT_HOOKS_GITLAB_TOKEN=`, as compose files and Secrets often leave a variable), it was
read as the secret "" and turned the hook on for anyone: GitLab's check passed with no X-Gitlab-Token header
at all, and an HMAC keyed with "" is computable by anyone. A blank secret now leaves the hook off (404, nothing
released); a non-blank one shorter than 16 characters is refused at settings load, naming the variable and never
echoing the value."""

from __future__ import annotations

import json

import pytest

from services.approval.hook_settings import HookSettings
from services.shared.settings import BusSettings, StartupError
from services.shared.signing import SIGNATURE_HEADER, github_signature, sign
from services.shared.startup import load_settings
from tests.hooks.conftest import github_push, hooked_api, releases_of
from tests.hooks.git_daemon import Served

SECRET_SETTINGS = ("GITHUB_SECRET", "GITLAB_TOKEN", "GENERIC_SECRET", "SLACK_SIGNING_SECRET")


async def test_blank_secrets_leave_every_hook_off(
        bus_settings: BusSettings, postgres_url: str, served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, blank in zip(SECRET_SETTINGS, ("", "", "   ", ""), strict=True):
        monkeypatch.setenv(f"GREENLIGHT_HOOKS_{name}", blank)
    monkeypatch.setenv("GREENLIGHT_HOOKS_APPS", json.dumps([{"app": "demo", "repository": served.url}]))
    hooks = HookSettings()
    assert (hooks.github_secret, hooks.gitlab_token, hooks.generic_secret, hooks.slack_signing_secret) == (
        None, None, None, None)
    commit = served.push("second")
    async with hooked_api(bus_settings, hooks) as api:
        # Each request as whoever knows the "secret" "" would send it.
        gitlab = await api.post("/hooks/gitlab", headers={"X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": "g-1"},
                                data=json.dumps({"ref": "refs/heads/main", "after": commit,
                                                 "project": {"git_http_url": served.url}}).encode())
        body = github_push(served.url, commit)
        github = await api.post("/hooks/github", data=body, headers={
            "X-Hub-Signature-256": github_signature("", body), "X-GitHub-Delivery": "d-1", "X-GitHub-Event": "push"})
        generic_body = json.dumps({"repository": served.url, "ref": "refs/heads/main", "after": commit,
                                   "delivery": "x-1"}).encode()
        generic = await api.post("/hooks/generic", data=generic_body,
                                 headers={SIGNATURE_HEADER: sign("   ", generic_body)})
        slack = await api.post("/hooks/slack/actions", data=b"payload=%7B%7D")
        statuses = [r.status for r in (gitlab, github, generic, slack)]
        released = [(r.requested_by, r.commit) for r in await releases_of(api)]
    assert statuses == [404, 404, 404, 404] and released == [], (statuses, released)


@pytest.mark.parametrize("name", SECRET_SETTINGS)
def test_a_short_secret_is_refused_naming_the_variable_not_the_value(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    short = "guessable-15chr"
    monkeypatch.setenv(f"GREENLIGHT_HOOKS_{name}", short)
    with pytest.raises(StartupError) as refused:
        load_settings(HookSettings)
    assert f"GREENLIGHT_HOOKS_{name} is invalid" in str(refused.value) and "16 characters" in str(refused.value)
    assert short not in str(refused.value)
    monkeypatch.setenv(f"GREENLIGHT_HOOKS_{name}", short + "x")
    assert load_settings(HookSettings) is not None


def test_a_refused_secret_is_not_in_the_validation_error_either() -> None:
    """HookSettings is also built directly (create_app): its ValidationError must not carry the input."""
    with pytest.raises(ValueError) as refused:
        HookSettings(gitlab_token="short-token")
    assert "short-token" not in str(refused.value)
