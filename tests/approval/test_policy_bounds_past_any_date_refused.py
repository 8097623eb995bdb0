"""An operator's soak or expiry bound so long that no date lies at its end stops the start, naming the setting.
Was: GREENLIGHT_API_POLICY_DEFAULT_EXPIRY_SECONDS=1000000000000 (or a minimum soak, a maximum expiry as long) was
accepted, and every release then failed where its due time was worked out: each approval a 500, each timer an
OverflowError."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.approval import policy
from services.approval.policy import PolicyBounds, policy_of
from services.shared.appspec import parse_app_spec
from services.shared.release import utcnow
from tests.harness import make_release

FIELDS = ("min_soak_seconds", "default_expiry_seconds", "max_expiry_seconds")


@pytest.mark.parametrize("name", FIELDS)
def test_a_bound_past_any_date_is_refused(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"GREENLIGHT_API_POLICY_{name.upper()}", str(10**12))
    with pytest.raises(ValidationError) as refused:
        PolicyBounds()
    assert name in str(refused.value)


def test_the_longest_bounds_allowed_still_give_dates() -> None:
    longest = policy.MAX_BOUND_SECONDS
    bounds = PolicyBounds(min_soak_seconds=longest - 1, default_expiry_seconds=longest, max_expiry_seconds=longest)
    spec = parse_app_spec("approval: {soak_seconds: 2592000, expiry_seconds: 7776000}\n")
    for release in (make_release(), make_release(spec=spec)):
        bounded = policy_of(release, bounds)
        now = utcnow()
        assert bounded.soak_ends(now) > now and (bounded.expires(now) or now) > now
