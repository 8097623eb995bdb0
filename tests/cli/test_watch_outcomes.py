"""`greenlight watch`: each step as it happens; exit 0 on live, 1 on failed / rejected / rolled back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)  # a watch that never ends would otherwise hang the suite
TO_AWAITING = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL)


@pytest.fixture
def later(stub: StubApi) -> Iterator[Any]:
    """Publishes steps from another thread once `watch` has opened its stream: a release in progress."""
    threads: list[threading.Thread] = []
    problems: list[BaseException] = []

    def schedule(rid: str, *steps: tuple[S, dict[str, Any]]) -> None:
        def drive() -> None:
            try:
                assert stub.stream_opened.wait(10), "watch never opened the stream"
                for state, changes in steps:
                    stub.advance(rid, state, **changes)
            except BaseException as exc:
                problems.append(exc)

        threads.append(threading.Thread(target=drive))
        threads[-1].start()

    yield schedule
    for thread in threads:
        thread.join(10)
    assert not problems, problems


def states_printed(output: str) -> list[str]:
    return [line.split()[2] for line in output.splitlines() if line[:2].isdigit() and ":" in line[:8]]


def test_follows_a_release_to_live_and_exits_0(stub: StubApi, later: Any) -> None:
    stub.add(make_release("r1"))
    later("r1", *[(s, {}) for s in (*TO_AWAITING, S.APPROVED, S.SWITCHING)],
          (S.LIVE, {"live_colour": Colour.GREEN}))
    result = cli(stub, "watch", "r1")
    assert result.exit_code == 0, result.output
    assert states_printed(result.stdout) == ["requested", *[s.value for s in TO_AWAITING], "approved",
                                             "switching", "live"]
    assert "approve: greenlight approve r1 --comment" in result.stdout
    assert result.stdout.splitlines()[-1] == "release r1 is live"


def test_a_failure_exits_1_with_the_reason(stub: StubApi, later: Any) -> None:
    stub.add(make_release("r1"))
    later("r1", (S.BUILDING, {}), (S.FAILED, {"error": ReleaseError(
        step="build", reason="hadolint: DL3006 always tag the image version", log_tail="FROM python")}))
    result = cli(stub, "watch", "r1")
    assert result.exit_code == 1
    assert states_printed(result.stdout) == ["requested", "building", "failed"]
    assert result.stderr.splitlines() == [
        "error: release failed at build: hadolint: DL3006 always tag the image version", "FROM python"]


def test_a_rejection_exits_1_and_says_who_and_why(stub: StubApi, later: Any) -> None:
    stub.add(make_release("r1"))
    later("r1", *[(s, {}) for s in TO_AWAITING],
          (S.REJECTED, {"approver": "dev-approver", "comment": "preview is broken"}))
    result = cli(stub, "watch", "r1")
    assert result.exit_code == 1
    assert result.stderr == "error: release rejected by dev-approver: preview is broken\n"


def test_a_live_release_rolling_back_is_followed_to_rolled_back(stub: StubApi, later: Any) -> None:
    stub.add(make_release("r1"))
    for state in (*TO_AWAITING, S.APPROVED, S.SWITCHING, S.LIVE):
        stub.advance("r1", state)
    stub.advance("r1", S.ROLLING_BACK, "dev-approver", details={"reason": "5xx spike"})
    later("r1", (S.ROLLED_BACK, {}))
    result = cli(stub, "watch", "r1")
    # The history's "live" is passed over: the release has moved on since.
    assert result.exit_code == 1
    assert states_printed(result.stdout)[-3:] == ["live", "rolling_back", "rolled_back"]
    assert result.stderr == "error: release rolled back by dev-approver: 5xx spike\n"


def test_an_already_live_release_exits_0_after_replaying_its_history(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in (*TO_AWAITING, S.APPROVED, S.SWITCHING, S.LIVE):
        stub.advance("r1", state)
    result = cli(stub, "watch", "r1")
    assert result.exit_code == 0, result.output
    assert len(states_printed(result.stdout)) == 10


def test_watching_an_unknown_release_is_the_404_line(stub: StubApi) -> None:
    result = cli(stub, "watch", "ghost")
    assert result.exit_code == 3  # could not follow: the outcome is unknown
    assert result.stderr == "error: release ghost not found\n"
