"""The operator's approval-policy bounds that contradict each other stop the API at start, naming the settings.

A minimum soak at or past the maximum expiry meant no release could ever be approved, and past the default expiry
no release of an app without an expiry of its own: each expired while it soaked. (A default expiry above the
maximum is capped, as before, without telling the app its expiry was "lowered": it asked for none.)
"""

from __future__ import annotations

import pytest

from services.approval.policy import PolicyBounds, policy_of
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.settings import StartupError
from services.shared.startup import load_settings
from tests.harness import make_release


@pytest.mark.parametrize(("environment", "named"), [
    ({"MIN_SOAK_SECONDS": "3600", "MAX_EXPIRY_SECONDS": "1800"},
     "GREENLIGHT_API_POLICY_MIN_SOAK_SECONDS (3600) is not below GREENLIGHT_API_POLICY_MAX_EXPIRY_SECONDS (1800)"),
    ({"MIN_SOAK_SECONDS": "600", "DEFAULT_EXPIRY_SECONDS": "600"},
     "GREENLIGHT_API_POLICY_MIN_SOAK_SECONDS (600) is not below GREENLIGHT_API_POLICY_DEFAULT_EXPIRY_SECONDS (600)"),
])
def test_contradictory_bounds_stop_the_start(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str],
                                             named: str) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(f"GREENLIGHT_API_POLICY_{name}", value)
    with pytest.raises(StartupError) as refused:
        load_settings(ApprovalSettings)
    assert named in str(refused.value)


def test_bounds_that_agree_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"MIN_SOAK_SECONDS": "600", "DEFAULT_EXPIRY_SECONDS": "3600",
                        "MAX_EXPIRY_SECONDS": "86400"}.items():
        monkeypatch.setenv(f"GREENLIGHT_API_POLICY_{name}", value)
    bounds = load_settings(ApprovalSettings).policy
    assert (bounds.min_soak_seconds, bounds.default_expiry_seconds, bounds.max_expiry_seconds) == (600, 3600, 86400)


def test_a_default_above_the_maximum_is_capped_without_a_note_to_the_app() -> None:
    bounds = PolicyBounds(default_expiry_seconds=7200, max_expiry_seconds=3600)
    named_none = policy_of(make_release(spec=parse_app_spec("approval: {}\n")), bounds)
    assert (named_none.expiry.total_seconds() if named_none.expiry else None, named_none.notes) == (3600, ())
    asked_more = policy_of(make_release(spec=parse_app_spec("approval: {expiry_seconds: 7200}\n")), bounds)
    assert asked_more.notes == ("expiry_seconds lowered to 3600 (GREENLIGHT_API_POLICY_MAX_EXPIRY_SECONDS)",)
