"""`greenlight rollback APP --reason`: the live release starts rolling back, or a clear refusal."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi


def live(stub: StubApi, rid: str = "r1") -> None:
    stub.add(make_release(rid))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
                  S.SWITCHING, S.LIVE):
        stub.advance(rid, state)


def test_rollback_moves_the_live_release_to_rolling_back_with_the_reason(stub: StubApi) -> None:
    live(stub)
    result = cli(stub, "rollback", "demo", "--reason", "5xx spike")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["rolling back demo: release r1 is rolling_back",
                                          "follow it with: greenlight watch r1"]
    assert stub.state("r1") == S.ROLLING_BACK
    assert stub.latest["r1"].details == {"reason": "5xx spike"}


def test_rollback_without_a_live_release_is_refused(stub: StubApi) -> None:
    result = cli(stub, "rollback", "demo", "--reason", "why not")
    assert result.exit_code == 1
    assert result.stderr == "error: demo has no live release to roll back\n"


def test_the_reason_is_required(stub: StubApi) -> None:
    live(stub)
    result = cli(stub, "rollback", "demo")
    assert result.exit_code == 2 and "Missing option '--reason'" in result.output
    assert stub.state("r1") == S.LIVE
