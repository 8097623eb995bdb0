"""`greenlight status APP` and `greenlight history APP`: the app's state and its releases, for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from tests.cli.conftest import T0, cli, make_release
from tests.cli.stub_api import StubApi

TO_LIVE = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL)


def test_status_names_the_live_colour_and_each_release(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in TO_LIVE:
        stub.advance("r1", state, standby_colour=Colour.GREEN)
    stub.advance("r1", S.APPROVED, "dev-approver", approver="dev-approver", comment="ok")
    stub.advance("r1", S.SWITCHING)
    stub.advance("r1", S.LIVE)
    stub.add(make_release("r2", requested_by="ann").model_copy(update={"created_at": T0 + timedelta(hours=1)}))
    for state in TO_LIVE:
        stub.advance("r2", state, standby_colour=Colour.BLUE)

    result = cli(stub, "status", "demo")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "app demo  live colour: green"
    assert lines[1].split() == ["live", "r1", "at", "0123456789ab", "on", "green", "(live,", "by", "dev-requester)"]
    assert lines[2].split()[:6] == ["standby", "r2", "at", "0123456789ab", "on", "blue"]
    assert "(awaiting_approval, by ann)" in lines[2]
    assert len(lines) == 3  # the in-flight release is the standby one: said once

    history = cli(stub, "history", "demo")
    assert history.exit_code == 0, history.output
    rows = [line.split() for line in history.stdout.splitlines()[1:]]
    assert [row[:2] for row in rows] == [["r2", "awaiting_approval"], ["r1", "live"]]
    assert rows[1][3:5] == ["dev-requester", "dev-approver"]


def test_status_of_an_app_with_nothing_released_says_so(stub: StubApi) -> None:
    result = cli(stub, "status", "fresh")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["app fresh  live colour: none (nothing released yet)",
                                          "  live      none", "  standby   none", "  in flight none"]


def test_status_shows_the_warm_colour_and_its_countdown(stub: StubApi) -> None:
    stub.app_extras["demo"] = {"warm": {"colour": "blue", "scale_down_at": (datetime.now(UTC) + timedelta(
        minutes=9, seconds=30)).isoformat(), "release": {"id": "r0", "commit": "f" * 40, "state": "superseded",
                                                        "requested_by": "bo"}}}
    result = cli(stub, "status", "demo")
    assert result.exit_code == 0, result.output
    warm = result.stdout.splitlines()[-1]
    assert warm.startswith("  warm      r0 at ffffffffffff on blue (superseded, by bo)  scales down in 9m 2")


def test_status_shows_replicas_ready_per_colour(stub: StubApi) -> None:
    stub.app_extras["demo"] = {"live_colour": "green", "colours": {
        "blue": {"ready": 1, "desired": 2}, "green": {"ready": 2, "desired": 2}},
        "warm": {"colour": "blue", "scale_down_at": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
                 "release": None}}
    result = cli(stub, "status", "demo")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "  replicas  blue (warm) 1/2 ready · green (live) 2/2 ready"
    assert "replicas" not in cli(stub, "status", "other").stdout  # the API did not read the platform
