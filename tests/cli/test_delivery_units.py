"""The delivery table's units: times in s, m, h (under two days) or d, the unit chosen after rounding; deployments
per day to two places (one a week is 0.14, not 0.1); a failure rate in per cent with its counts; "no data" for
what a window could not measure."""

from __future__ import annotations

import pytest

from services.cli.delivery import per_day, rate, span


@pytest.mark.parametrize(("seconds", "shown"), [
    (None, "no data"), (0, "0s"), (59.4, "59s"), (59.6, "1m"), (90, "1.5m"), (3599, "1h"), (3600, "1h"),
    (5400, "1.5h"), (43_200, "12h"), (172_799, "2d"), (172_800, "2d"), (10 * 86_400, "10d")])
def test_times_read_in_their_unit(seconds: float | None, shown: str) -> None:
    assert span(seconds) == shown


@pytest.mark.parametrize(("value", "shown"), [(None, "no data"), (0.0, "0/day"), (1 / 7, "0.14/day"),
                                              (10.0, "10/day"), (2.5, "2.5/day")])
def test_frequency_per_day(value: float | None, shown: str) -> None:
    assert per_day(value) == shown


def test_failure_rate_in_per_cent_with_its_counts() -> None:
    assert rate({"change_failure_rate": 1 / 3, "failed_changes": 1, "deployments": 3}) == "33.3% (1 of 3)"
    assert rate({"change_failure_rate": 0.0, "failed_changes": 0, "deployments": 5}) == "0% (0 of 5)"
    assert rate({"change_failure_rate": None, "failed_changes": 0, "deployments": 0}) == "no data"
