"""`greenlight release list`: newest first, filtered by app and state, one page at a time."""

from __future__ import annotations

from datetime import timedelta

from services.shared.protocol import ReleaseState
from services.shared.release import ReleaseError
from tests.cli.conftest import T0, cli, make_release
from tests.cli.stub_api import StubApi


def seed(stub: StubApi) -> None:
    for index, (rid, app) in enumerate([("old1", "demo"), ("web1", "web"), ("new1", "demo")]):
        release = make_release(rid, app).model_copy(update={"created_at": T0 + timedelta(minutes=index)})
        stub.add(release)
    stub.advance("old1", ReleaseState.FAILED, error=ReleaseError(step="builder", reason="no Dockerfile"))


def ids_in(output: str) -> list[str]:
    lines = output.splitlines()[1:]
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("more")]


def test_lists_newest_first_with_state_and_short_commit(stub: StubApi) -> None:
    seed(stub)
    result = cli(stub, "release", "list")
    assert result.exit_code == 0, result.output
    assert ids_in(result.stdout) == ["new1", "web1", "old1"]
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["old1"][:5] == ["old1", "demo", "failed", "0123456789ab", "dev-requester"]


def test_filters_by_app_and_state(stub: StubApi) -> None:
    seed(stub)
    assert ids_in(cli(stub, "release", "list", "--app", "demo").stdout) == ["new1", "old1"]
    assert ids_in(cli(stub, "release", "list", "--app", "demo", "--state", "failed").stdout) == ["old1"]


def test_an_unknown_state_is_refused_before_any_request(stub: StubApi) -> None:
    result = cli(stub, "release", "list", "--state", "exploded")
    assert result.exit_code == 2
    assert "'exploded' is not one of" in result.output


def test_pages_print_the_cursor_of_the_next_one(stub: StubApi) -> None:
    seed(stub)
    first = cli(stub, "release", "list", "--limit", "2")
    assert ids_in(first.stdout) == ["new1", "web1"]
    assert "more: --cursor 2" in first.stdout
    second = cli(stub, "release", "list", "--limit", "2", "--cursor", "2")
    assert ids_in(second.stdout) == ["old1"] and "more:" not in second.stdout


def test_nothing_to_list_says_so(stub: StubApi) -> None:
    result = cli(stub, "release", "list")
    assert result.exit_code == 0 and result.stdout.strip() == "no releases"
