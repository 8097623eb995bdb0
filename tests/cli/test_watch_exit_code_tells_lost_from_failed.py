"""`watch` exits 3, not 1, when it could not follow the release: 1 means the release failed.

A deploy script branches on the exit code. Exit 1 for "the API went away" made it report a failed release (roll
back, page someone) while the release went on to go live.
"""

from __future__ import annotations

import pytest

from services.cli.client import GreenlightClient
from services.cli.sse import Reconnect
from services.cli.watch import UNFOLLOWED, watch_to_the_end
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)


def test_an_api_that_goes_away_mid_watch_exits_3(stub: StubApi, capsys: pytest.CaptureFixture[str]) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    slept: list[float] = []

    def gone_for_good(seconds: float) -> None:
        slept.append(seconds)
        stub.stop()

    stub.drop_first_stream_after = 2
    with GreenlightClient(stub.url, "approver-token") as client:
        code = watch_to_the_end(client, "r1", Reconnect(attempts=2, sleep=gone_for_good))

    assert code == UNFOLLOWED == 3
    assert len(slept) == 2
    assert "lost the event stream" in capsys.readouterr().err


def test_an_api_that_cannot_be_reached_exits_3(stub: StubApi) -> None:
    stub.stop()
    result = cli(stub, "watch", "r1")
    assert result.exit_code == 3, result.output
    assert "cannot reach Greenlight" in result.stderr


def test_a_failed_release_still_exits_1(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    stub.advance("r1", S.FAILED, error=ReleaseError(step="build", reason="lint failed"))
    result = cli(stub, "watch", "r1")
    assert result.exit_code == 1, result.output
