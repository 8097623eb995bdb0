"""An invalid setting of a group every service shares (the broker's, the deadlines', the local platform's) is named
as it is set: GREENLIGHT_DELIVERY_LIMIT, not GREENLIGHT_PUSHER_DELIVERY_LIMIT.

A nested group reads its own variables when its service's settings are built, and its error carries its own field
names; they were given the service's prefix, so the line named a variable that does not exist, and setting that one
changed nothing.
"""

from __future__ import annotations

import pytest
from pydantic_settings import BaseSettings

from services.approval.settings import ApprovalSettings
from services.pusher.settings import PusherSettings
from services.shared.settings import StartupError
from services.shared.startup import load_settings
from services.switcher.settings import SwitcherSettings

CASES: dict[str, tuple[type[BaseSettings], str, str]] = {
    "broker": (PusherSettings, "GREENLIGHT_DELIVERY_LIMIT", "0"),
    "the log's age in another form than RabbitMQ's": (ApprovalSettings, "GREENLIGHT_LOG_MAX_AGE", "30d"),
    "deadline": (ApprovalSettings, "GREENLIGHT_DEADLINE_BUILD", "soon"),
    "nested twice": (SwitcherSettings, "GREENLIGHT_LOCAL_SLOTS", "many"),
    "the service's own": (PusherSettings, "GREENLIGHT_PUSHER_PUSH_TIMEOUT", "0"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_setting_is_named_as_set(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, variable, value = CASES[case]
    monkeypatch.setenv(variable, value)
    with pytest.raises(StartupError) as raised:
        load_settings(settings)
    assert str(raised.value).startswith(f"{variable} is invalid: "), str(raised.value)
