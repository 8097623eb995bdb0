"""The notifier counts a database outage's retries in a header of the event it parks. A publisher's own value there
(`"abc"`, a negative number) raised while parking, in the middle of an outage (the message left unsettled), or
picked a delay from the end of the list: it is read as the retry headers are, a count this process wrote or none."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.notifier.outage_parking import outages_of
from services.notifier.retry import OUTAGES_HEADER


@pytest.mark.parametrize(("value", "counted"), [(2, 2), (0, 0), ("abc", 0), (-3, 0), (True, 0), (1.5, 0), (None, 0)])
def test_the_outage_count_is_a_count_or_none(value: object, counted: int) -> None:
    message = SimpleNamespace(headers={OUTAGES_HEADER: value})
    assert outages_of(message) == counted  # type: ignore[arg-type]
