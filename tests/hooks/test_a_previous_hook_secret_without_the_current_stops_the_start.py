"""A hook's previous secret (GREENLIGHT_HOOKS_*_PREVIOUS) is accepted beside its current one while a rotation moves the
sender over. Set without the current one, it would leave the hook answering to the secret being retired (or means the
current one was unset by mistake): the start stops with one line naming both variables, never the value."""

from __future__ import annotations

import pytest

from services.approval.hook_settings import HookSettings
from services.shared.settings import StartupError
from services.shared.startup import load_settings

SECRET_SETTINGS = ("GITHUB_SECRET", "GITLAB_TOKEN", "GITLAB_SIGNING_TOKEN", "GENERIC_SECRET", "SLACK_SIGNING_SECRET")
# GitLab's signing token is `whsec_` and a base64 key (gitlab_signature.py); the others any text of 16 or more.
OLDS = {name: "the-secret-being-rotated-away" for name in SECRET_SETTINGS} | {
    "GITLAB_SIGNING_TOKEN": "whsec_dGhlLXNpZ25pbmcta2V5LWJlaW5nLXJvdGF0ZWQtYXdheQ=="}
NEWS = {name: "the-secret-rotated-in-today" for name in SECRET_SETTINGS} | {
    "GITLAB_SIGNING_TOKEN": "whsec_dGhlLXNpZ25pbmcta2V5LXJvdGF0ZWQtaW4tdG9kYXk="}


@pytest.mark.parametrize("name", SECRET_SETTINGS)
def test_a_previous_secret_alone_stops_the_start_naming_it_not_its_value(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    old = OLDS[name]
    for other in SECRET_SETTINGS:
        monkeypatch.delenv(f"GREENLIGHT_HOOKS_{other}", raising=False)
        monkeypatch.delenv(f"GREENLIGHT_HOOKS_{other}_PREVIOUS", raising=False)
    monkeypatch.setenv(f"GREENLIGHT_HOOKS_{name}_PREVIOUS", old)
    with pytest.raises(StartupError) as refused:
        load_settings(HookSettings)
    line = str(refused.value)
    assert f"GREENLIGHT_HOOKS_{name}_PREVIOUS is set without GREENLIGHT_HOOKS_{name}" in line, line
    assert old not in line
    # Built directly (create_app takes a HookSettings): the validation error does not carry the value either.
    with pytest.raises(ValueError) as direct:
        HookSettings(**{f"{name.lower()}_previous": old})
    assert f"GREENLIGHT_HOOKS_{name}_PREVIOUS" in str(direct.value) and old not in str(direct.value)
    # With the current one beside it, it is a rotation.
    monkeypatch.setenv(f"GREENLIGHT_HOOKS_{name}", NEWS[name])
    assert getattr(load_settings(HookSettings), f"{name.lower()}_previous").get_secret_value() == old
