"""A hook's previous secret (GREENLIGHT_HOOKS_*_PREVIOUS) opens the hook as the current one does, so it is held to the
same rules: blank is unset (an HMAC keyed with "" is anyone's to compute, GitLab's "" matches a request without the
header), and one not printable or shorter than 16 characters stops the start, naming the variable, never the value."""

from __future__ import annotations

import pytest

from services.approval.hook_settings import HookSettings
from services.shared.settings import StartupError
from services.shared.startup import load_settings

SECRET_SETTINGS = ("GITHUB_SECRET", "GITLAB_TOKEN", "GENERIC_SECRET", "SLACK_SIGNING_SECRET")


@pytest.fixture(autouse=True)
def current_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRET_SETTINGS:
        monkeypatch.setenv(f"GREENLIGHT_HOOKS_{name}", f"current-{name.lower()}")
        monkeypatch.delenv(f"GREENLIGHT_HOOKS_{name}_PREVIOUS", raising=False)


@pytest.mark.parametrize("name", SECRET_SETTINGS)
def test_a_blank_previous_secret_is_unset(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"GREENLIGHT_HOOKS_{name}_PREVIOUS", "  ")
    assert getattr(load_settings(HookSettings), f"{name.lower()}_previous") is None


@pytest.mark.parametrize("name", SECRET_SETTINGS)
@pytest.mark.parametrize(("value", "why"), [("guessable-15chr", "16 characters"),
                                            ("sixteen-chars-\x07!", "printable")])
def test_a_short_or_unprintable_previous_secret_stops_the_start_naming_it(
        name: str, value: str, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"GREENLIGHT_HOOKS_{name}_PREVIOUS", value)
    with pytest.raises(StartupError) as refused:
        load_settings(HookSettings)
    line = str(refused.value)
    assert f"GREENLIGHT_HOOKS_{name}_PREVIOUS is invalid" in line and why in line, line
    assert value not in line
