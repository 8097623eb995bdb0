"""`greenlight delivery` whose answer is no delivery report (another JSON service or a catch-all route at
GREENLIGHT_URL answering `{}`) printed an empty report, "from  to " and a lone "all apps" row of zeros, and exited
0: a script read it as a window with no deployments. It is one red line naming the route, exit 1, as the other
reads; `-o json` still prints whatever came."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.conftest import cli
from tests.cli.stub_api import StubApi

KEYS = {"deployments": 1, "deployment_frequency_per_day": 0.5, "lead_time_seconds": 60.0, "lead_time_samples": 1,
        "failed_changes": 0, "change_failure_rate": 0.0, "time_to_restore_seconds": None}
REPORT = {"since": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z", "failure_window_days": 7,
          "definitions": "https://dora.dev", "overall": KEYS, "apps": {"demo": KEYS}}


@pytest.mark.parametrize(("body", "what"), [
    ({}, "no 'since'"),
    ({**REPORT, "overall": None}, "a value of another kind"),
    ({**REPORT, "apps": ["demo"]}, "a value of another kind"),
    ({**REPORT, "apps": {"demo": {}}}, "no 'deployments'"),
])
def test_an_answer_that_is_no_report(stub: StubApi, body: dict[str, Any], what: str) -> None:
    stub.canned["GET", "/metrics/delivery"] = body
    result = cli(stub, "delivery", token="requester-token")
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr == (f"error: Greenlight at {stub.url} answered GET /metrics/delivery in a shape this CLI "
                             f"does not read ({what}): is GREENLIGHT_URL the Greenlight API's address?\n")
    assert cli(stub, "delivery", "-o", "json", token="requester-token").exit_code == 0


def test_a_report_is_still_shown(stub: StubApi) -> None:
    stub.canned["GET", "/metrics/delivery"] = REPORT
    result = cli(stub, "delivery", token="requester-token")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2].split()[:2] == ["demo", "1"]
