"""`greenlight release create`: a release is requested; `.` means the git repository you are in."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState
from services.shared.release import ReleaseError
from tests.cli.conftest import SHA, cli, make_release
from tests.cli.stub_api import StubApi


def git_repo(path: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=path, check=True, capture_output=True, text=True).stdout

    git("init", "-q", "-b", "main")
    (path / "Dockerfile").write_text("FROM scratch\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "first")
    return git("rev-parse", "HEAD").strip()


def test_create_with_a_sha_prints_the_new_release(stub: StubApi) -> None:
    result = cli(stub, "release", "create", "--app", "demo", "--repo", "https://example.org/demo.git",
                 "--commit", SHA, token="requester-token")
    assert result.exit_code == 0, result.output
    [event] = stub.latest.values()
    assert event.state == ReleaseState.REQUESTED and event.release.requested_by == "dev-requester"
    assert f"release {event.release_id} requested: demo at {SHA[:12]}" in result.stdout
    assert f"greenlight watch {event.release_id}" in result.stdout


def test_dot_is_the_absolute_path_of_the_enclosing_repo_and_head_resolves(
        stub: StubApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    head = git_repo(tmp_path)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = cli(stub, "release", "create", "--app", "demo", "--repo", ".", "--commit", "HEAD")
    assert result.exit_code == 0, result.output
    [event] = stub.latest.values()
    assert event.release.repository == str(tmp_path.resolve())
    assert event.release.commit == head and event.release.ref == "HEAD"


def test_dot_outside_a_git_repository_is_a_clear_error(stub: StubApi, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = cli(stub, "release", "create", "--app", "demo", "--repo", ".")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: . is not inside a git repository"
    assert not stub.latest


def test_invalid_fields_are_one_red_line_plus_the_field_errors(stub: StubApi) -> None:
    result = cli(stub, "release", "create", "--app", "Not_A_Label", "--repo", "https://example.org/x.git",
                 "--commit", SHA)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the request is invalid; body.app: String should match pattern")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_a_release_in_flight_blocks_another_and_names_it(stub: StubApi) -> None:
    stub.add(make_release("busy1"))
    result = cli(stub, "release", "create", "--app", "demo", "--repo", "https://example.org/demo.git",
                 "--commit", SHA)
    assert result.exit_code == 1
    assert result.stderr == "error: demo already has a release in flight; blocking release: busy1\n"


@pytest.mark.timeout(30)
def test_create_with_watch_follows_the_new_release_to_its_end(stub: StubApi) -> None:
    def fail_it() -> None:
        assert stub.stream_opened.wait(10)
        [release_id] = stub.latest
        stub.advance(release_id, ReleaseState.BUILDING)
        stub.advance(release_id, ReleaseState.FAILED, error=ReleaseError(step="build", reason="no Dockerfile"))

    driver = threading.Thread(target=fail_it)
    driver.start()
    result = cli(stub, "release", "create", "--app", "demo", "--repo", "https://example.org/demo.git",
                 "--commit", SHA, "--watch")
    driver.join(10)
    assert result.exit_code == 1
    assert result.stderr == "error: release failed at build: no Dockerfile\n"
    assert "greenlight watch" not in result.stdout
