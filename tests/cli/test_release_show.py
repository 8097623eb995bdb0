"""`greenlight release show`: the release, and its history with how long each step took."""

from __future__ import annotations

from datetime import timedelta

from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from tests.cli.conftest import T0, cli, make_release
from tests.cli.stub_api import StubApi


def rows(output: str) -> dict[str, list[str]]:
    """History rows by state: [seq, state, at, took...]."""
    table = output.split(" #  ")[1].splitlines()[1:]
    return {line.split()[1]: line.split() for line in table if line.strip() and line.split()[0].isdigit()}


def test_history_has_each_step_with_its_duration_and_the_total(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING, "builder", at=T0 + timedelta(seconds=2))
    stub.advance("r1", S.BUILT, "builder", at=T0 + timedelta(seconds=67), image="reg/demo:abc",
                 details={"image": "reg/demo:abc"})
    stub.advance("r1", S.PUSHING, "pusher", at=T0 + timedelta(seconds=68))
    result = cli(stub, "release", "show", "r1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "release r1  pushing"
    history = rows(result.stdout)
    assert history["requested"][:4] == ["1", "requested", "12:00:00", "2.0s"]
    assert history["building"][:4] == ["2", "building", "12:00:02", "1m"]  # "1m 05s"
    assert "1m 05s" in " ".join(history["building"])
    assert history["built"][:5] == ["3", "built", "12:01:07", "1.0s", "builder"]
    assert "image=reg/demo:abc" in history["built"]
    assert history["pushing"][:4] == ["4", "pushing", "12:01:08", "pusher"]  # still running: no duration
    assert "total 1m 08s" in result.stdout
    assert "  image          reg/demo:abc" in result.stdout


def test_a_failed_release_shows_the_reason_and_log_tail(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING, "builder")
    stub.advance("r1", S.FAILED, "builder", error=ReleaseError(
        step="build", reason="Dockerfile line 3: unknown instruction FORM", log_tail="step 3/5\nFORM x"))
    result = cli(stub, "release", "show", "r1")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "error: build: Dockerfile line 3: unknown instruction FORM", "step 3/5", "FORM x"]


def test_an_unknown_release_is_the_api_404_message(stub: StubApi) -> None:
    result = cli(stub, "release", "show", "nope")
    assert result.exit_code == 1
    assert result.stderr == "error: release nope not found\n"


def test_hostile_ids_stay_inside_their_path_segment(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    # Unquoted, "../releases" would resolve to /releases (the list) and print something else.
    result = cli(stub, "release", "show", "../releases")
    assert result.exit_code == 1
    assert result.stderr == "error: release ../releases not found\n"
