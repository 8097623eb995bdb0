"""A subscription in GREENLIGHT_NOTIFIER_SUBSCRIPTIONS refused at start (its secret too short) stopped the notifier
with pydantic's error, which showed the input: the secret itself. The error names the field, not its value."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from services.notifier.settings import NotifierSettings

SECRET = "s3cr3t-x"  # under the minimum length (16): refused


def test_the_refused_secret_is_not_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_NOTIFIER_SUBSCRIPTIONS", json.dumps(
        [{"id": "ops", "url": "https://ops.example.com/hook", "secret": SECRET, "apps": ["demo"]}]))
    with pytest.raises(ValidationError) as refused:
        NotifierSettings()
    assert "secret" in str(refused.value)
    assert SECRET not in str(refused.value) and SECRET not in repr(refused.value)
