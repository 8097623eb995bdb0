"""`greenlight watch` on a rollback the switcher refused: the reason on stderr and exit 1, not "is live"."""

from __future__ import annotations

import threading

import pytest

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)
TO_LIVE = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED, S.SWITCHING,
           S.LIVE)
REASON = "green no longer runs release r0"


def rolling_back(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in TO_LIVE:
        stub.advance("r1", state)
    stub.advance("r1", S.ROLLING_BACK, "dev-approver", details={"reason": "5xx spike"})


def test_a_refusal_while_watching_exits_1_with_the_reason(stub: StubApi) -> None:
    rolling_back(stub)

    def refuse() -> None:
        assert stub.stream_opened.wait(10)
        stub.advance("r1", S.LIVE, "switcher", details={"rollback_refused": REASON})

    refuser = threading.Thread(target=refuse)
    refuser.start()
    try:
        result = cli(stub, "watch", "r1")
    finally:
        refuser.join(10)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"error: rollback refused: {REASON}; release r1 stays live\n"
    assert "is live" not in result.stdout


def test_a_refusal_already_in_the_history_exits_1_too(stub: StubApi) -> None:
    rolling_back(stub)
    stub.advance("r1", S.LIVE, "switcher", details={"rollback_refused": REASON})
    result = cli(stub, "watch", "r1")
    assert result.exit_code == 1
    assert REASON in result.stderr
