"""A step deadline (`GREENLIGHT_DEADLINE_<STEP>`) of no time or less is refused by the settings, and stops the API's
start with one line naming it.

Zero was accepted and failed every release as its step began (the broker dead-letters a 0 ms timer as it arrives);
a negative ISO or HH:MM:SS value was accepted too and stopped the start on the broker's PRECONDITION_FAILED for the
delay queue, a traceback naming a queue, not the setting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.deadlines import DeadlineSettings
from tests.failed_start import failed_start


@pytest.mark.parametrize("value", ["0", "PT0S", "-PT5S", "-00:00:05"])
def test_a_deadline_of_no_time_or_less_is_refused_by_the_settings(value: str) -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        DeadlineSettings(build=value)


def test_a_deadline_of_no_time_stops_the_start_naming_it(tmp_path: Path) -> None:
    last, _ = failed_start("approval", {"GREENLIGHT_DEADLINE_SWITCH": "-PT5S",
                                        "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/gl.db"})
    assert "GREENLIGHT_DEADLINE_SWITCH" in last, last
