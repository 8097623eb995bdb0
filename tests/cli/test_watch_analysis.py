"""Watch shows each analysis measurement on its own line, and the verdict with the step it led to."""

from __future__ import annotations

from typer.testing import CliRunner

from services.cli.main import app
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from tests.cli.conftest import make_release
from tests.cli.stub_api import StubApi


def measured(value: object, verdict: str, why: str) -> dict[str, object]:
    return {"measurement": {"check": "health", "provider": "http", "value": value, "verdict": verdict,
                            "why": why, "at": "2026-01-01T00:00:00+00:00"}}


def test_measurements_and_the_verdict_are_shown(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING):
        stub.advance("r1", state)
    stub.advance("r1", S.ANALYSING, "deployer", standby_colour=Colour.GREEN, preview="http://p/")
    stub.advance("r1", S.ANALYSING, "analysis", details=measured(0.01, "successful", "value 0.01 meets <= 0.05"))
    stub.advance("r1", S.FAILED, "analysis", details={"analysis": {
        "verdict": "failed", "reason": "check health: 1 failed measurement(s), more than its failure_limit of 0"}})

    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "approver-token", "COLUMNS": "60"}
    result = CliRunner().invoke(app, ["watch", "r1"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line[:2].isdigit()]
    analysing = [line for line in lines if " analysing" in line]
    assert analysing[0].endswith("colour=green  preview=http://p/")
    assert analysing[1].endswith("health (http) = 0.01 successful: value 0.01 meets <= 0.05")
    failed = next(line for line in lines if " failed" in line)
    assert "analysis failed: check health: 1 failed measurement(s), more than its failure_limit of 0" in failed


def test_a_rollback_by_the_analysis_says_why(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
                  S.SWITCHING):
        stub.advance("r1", state)
    stub.advance("r1", S.VERIFYING, "switcher", details={"colour": "green"})
    stub.advance("r1", S.VERIFYING, "analysis", details=measured(500, "failed", "status 500, expected [200]"))
    stub.advance("r1", S.ROLLING_BACK, "analysis", details={"reason": "post-promotion analysis failed: check health"})
    stub.advance("r1", S.ROLLED_BACK, "switcher")

    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "approver-token", "COLUMNS": "60"}
    result = CliRunner().invoke(app, ["watch", "r1"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line[:2].isdigit()]
    verifying = [line for line in lines if " verifying" in line]
    assert verifying[0].endswith("checks start on green")
    assert verifying[1].endswith("health (http) = 500 failed: status 500, expected [200]")
    assert result.stderr == ("error: release rolled back by analysis: post-promotion analysis failed: "
                             "check health\n")
