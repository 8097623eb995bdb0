"""`greenlight watch` survives a dropped stream: it resumes with Last-Event-ID, no gap, no duplicate."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)
STEPS = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
         S.SWITCHING, S.LIVE)


def test_a_drop_mid_history_resumes_after_the_last_event_seen(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in STEPS:
        stub.advance("r1", state)
    stub.drop_first_stream_after = 3  # the connection dies after offsets 0, 1 and 2

    result = cli(stub, "watch", "r1")

    assert result.exit_code == 0, result.output
    assert stub.last_event_ids == ["-1", "2"]
    printed = [line.split()[2] for line in result.stdout.splitlines() if line[2:3] == ":"]
    assert printed == ["requested", *[s.value for s in STEPS]]  # each exactly once, in order
    assert "stream dropped; reconnected after event 2" in result.stdout


def test_events_of_other_releases_in_the_log_do_not_confuse_the_resume(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.add(make_release("other", app="web"))
    stub.advance("other", S.BUILDING)
    for state in STEPS:
        stub.advance("r1", state)
    stub.drop_first_stream_after = 2  # r1's offsets are 0, 3, 4...: the drop is after offset 3

    result = cli(stub, "watch", "r1")

    assert result.exit_code == 0, result.output
    assert stub.last_event_ids == ["-1", "3"]
