"""`GREENLIGHT_SWITCHER_SCALE_DOWN_DELAY=inf` (meant as "keep the old colour warm for good") was taken: every switch
then raised OverflowError working out the warm colour's `scale_down_at`, after the traffic had moved and before
`live` was published. A delay that is no finite number of seconds is refused where the settings are read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.switcher.settings import SwitcherSettings


@pytest.mark.parametrize("delay", ["inf", "nan", "1e400"])
def test_a_delay_that_is_no_finite_number_is_refused(delay: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_SWITCHER_SCALE_DOWN_DELAY", delay)
    with pytest.raises(ValidationError) as refused:
        SwitcherSettings()
    assert refused.value.errors()[0]["loc"] == ("scale_down_delay",)


def test_a_long_finite_delay_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_SWITCHER_SCALE_DOWN_DELAY", str(20 * 365 * 24 * 3600))
    assert SwitcherSettings().scale_down_delay == 20 * 365 * 24 * 3600  # parked ten years at a time (timers.py)
