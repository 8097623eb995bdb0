"""A hook's app must be a name a release can take (at most 55 characters, as POST /releases asks): one that is
not was accepted at start and every push to it answered 500 with a traceback."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from services.approval.hook_settings import HookSettings


def entry(app: str) -> str:
    return json.dumps([{"app": app, "repository": "https://git.example/acme/app.git"}])


def test_an_app_name_too_long_for_a_release_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_HOOKS_APPS", entry("a" * 60))
    with pytest.raises(ValidationError, match="55"):
        HookSettings()


def test_an_app_name_a_release_can_take_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_HOOKS_APPS", entry("a" * 55))
    assert HookSettings().apps[0].app == "a" * 55
