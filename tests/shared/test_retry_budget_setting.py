"""GREENLIGHT_RETRY_BUDGET reads as people write durations; anything else is refused at start-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.shared.settings import BusSettings


@pytest.mark.parametrize(("written", "seconds"), [("90s", 90), ("5m", 300), ("1h", 3600), ("250ms", 0.25),
                                                  ("PT2M", 120), ("00:01:30", 90), ("45", 45)])
def test_budget_from_the_environment(monkeypatch: pytest.MonkeyPatch, written: str, seconds: float) -> None:
    monkeypatch.setenv("GREENLIGHT_RETRY_BUDGET", written)
    assert BusSettings().retry_budget == timedelta(seconds=seconds)


def test_an_unreadable_budget_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_RETRY_BUDGET", "five minutes")
    with pytest.raises(ValidationError, match="retry_budget"):
        BusSettings()
