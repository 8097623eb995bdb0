"""`greenlight watch` started after a release was approved replayed its `awaiting_approval` step with the hint
"approve: greenlight approve …": a person told to approve a release already decided (and switched). The hint belongs
to a release still at the gate, whether watch found it there or saw it arrive."""

from __future__ import annotations

import threading

import pytest

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)
TO_AWAITING = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL)
HINT = "approve: greenlight approve r1"


def test_a_release_decided_before_the_watch_replays_no_hint(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in (*TO_AWAITING, S.APPROVED, S.SWITCHING, S.LIVE):
        stub.advance("r1", state)
    result = cli(stub, "watch", "r1")
    assert result.exit_code == 0, result.output
    assert "awaiting_approval" in result.stdout
    assert HINT not in result.stdout, result.stdout


def test_a_release_at_the_gate_when_watched_shows_the_hint(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in TO_AWAITING:
        stub.advance("r1", state)

    def reject_once_watched() -> None:
        assert stub.stream_opened.wait(10), "watch never opened the stream"
        stub.advance("r1", S.REJECTED, "dev-approver")

    rejecting = threading.Thread(target=reject_once_watched)
    rejecting.start()
    try:
        result = cli(stub, "watch", "r1")
    finally:
        rejecting.join(10)
    assert result.exit_code == 1, result.output
    assert HINT in result.stdout, result.stdout
