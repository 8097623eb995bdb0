"""Fault tests: a real dependency goes away for a while in the middle of a release (see README, "Faults")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.shared.settings import BusSettings

# The outages, as written; a retry budget well above them, and one well below.
OUTAGE_LONG = 20.0
OUTAGE_SHORT = 10.0
ENOUGH = timedelta(seconds=90)
TOO_LITTLE = timedelta(seconds=6)


@pytest.fixture
def fault_bus(bus_settings: BusSettings) -> BusSettings:
    """Retries every 1, 2, 4, 4... s: several within an outage, and the first right after it ends."""
    return bus_settings.model_copy(update={"retry_initial_delay": 1.0, "retry_max_delay": 4.0,
                                           "retry_budget": ENOUGH})
