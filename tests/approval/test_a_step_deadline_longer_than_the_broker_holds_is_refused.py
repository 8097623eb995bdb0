"""A step deadline (`GREENLIGHT_DEADLINE_<STEP>`) longer than RabbitMQ holds a message (10 years) is refused by the
settings, and stops the API's start with one line naming it.

It was accepted (an operator's "practically no deadline", `999999h`), and the start stopped on the broker's
PRECONDITION_FAILED for the step's delay queue (`invalid arg 'x-message-ttl' … value_too_large`): a traceback naming
a queue, not the setting.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services.shared.deadlines import DeadlineSettings
from tests.failed_start import failed_start


@pytest.mark.parametrize("value", ["87601h", "999999h", "P3651D"])
def test_a_deadline_past_ten_years_is_refused_by_the_settings(value: str) -> None:
    with pytest.raises(ValueError, match="less than or equal to"):
        DeadlineSettings(push=value)


def test_a_ten_year_deadline_is_taken() -> None:
    assert DeadlineSettings(push="87600h").push == timedelta(days=3650)


def test_a_deadline_past_ten_years_stops_the_start_naming_it(tmp_path: Path) -> None:
    last, _ = failed_start("approval", {"GREENLIGHT_DEADLINE_BUILD": "999999h",
                                        "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/gl.db"})
    assert "GREENLIGHT_DEADLINE_BUILD" in last, last
