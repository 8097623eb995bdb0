"""A GitLab signing token that is not one GitLab gives (`whsec_` and a base64 key of 16 bytes or more) stops the
start with one line naming the setting, never its value: a pasted plain token would otherwise refuse every
delivery, and a short key can be guessed."""

from __future__ import annotations

import base64

import pytest

from services.approval.hook_settings import HookSettings
from services.shared.settings import StartupError
from services.shared.startup import load_settings

SHOWN = "hunter2-hunter2-hunter2"
TOKENS = {
    "a plain token": SHOWN,
    "not base64": "whsec_" + SHOWN + "!!",
    "a short key": "whsec_" + base64.b64encode(b"hunter2-hunter").decode(),  # 14 bytes
}


@pytest.mark.parametrize("case", list(TOKENS))
@pytest.mark.parametrize("variable", ["GREENLIGHT_HOOKS_GITLAB_SIGNING_TOKEN",
                                      "GREENLIGHT_HOOKS_GITLAB_SIGNING_TOKEN_PREVIOUS"])
def test_refused_naming_the_setting_not_the_value(case: str, variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    good = "whsec_" + base64.b64encode(b"greenlight-signing-key-32-bytes!").decode()
    monkeypatch.setenv("GREENLIGHT_HOOKS_GITLAB_SIGNING_TOKEN", good)
    monkeypatch.setenv(variable, TOKENS[case])
    with pytest.raises(StartupError) as refused:
        load_settings(HookSettings)
    shown = str(refused.value)
    assert f"{variable} is invalid" in shown and "whsec_" in shown, shown
    assert TOKENS[case] not in shown and SHOWN not in shown, shown


def test_a_token_gitlab_gives_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "whsec_" + base64.b64encode(b"\x00" * 31 + b"\x01").decode()
    monkeypatch.setenv("GREENLIGHT_HOOKS_GITLAB_SIGNING_TOKEN", token)
    assert load_settings(HookSettings).gitlab_signing_token is not None
