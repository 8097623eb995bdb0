"""A token file the CLI cannot use is one red line naming the option or variable and the path, never the content.

Missing, a directory, empty, too large, more than one line or not UTF-8; and, as ssh refuses a private key, a file
of yours that other users may read. Nothing is sent; `watch` exits 3 (not followed), the others 1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.cli.stub_api import StubApi

SECRET = "approver-token-s3cr3t"


def run(stub: StubApi, *args: str, file_env: str | None = None) -> tuple[int, str]:
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "", "GREENLIGHT_TOKEN_FILE": file_env or ""}
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert SECRET not in result.output
    assert result.stdout == ""
    return result.exit_code, result.stderr


def written(path: Path, content: bytes, mode: int = 0o600) -> str:
    path.write_bytes(content)
    os.chmod(path, mode)
    return str(path)


@pytest.mark.parametrize(("content", "said"), [
    (b"", "is empty: write the token your Greenlight operator issued you into it"),
    (b" \n\n", "is empty: write the token your Greenlight operator issued you into it"),
    (SECRET.encode() + b"\n" + SECRET.encode() + b"\n",
     "has characters no API token has (spaces, accents, control characters): copy it again from where it was issued"),
    (b"\xe9" + SECRET.encode(),
     "has characters no API token has (spaces, accents, control characters): copy it again from where it was issued"),
    (SECRET.encode() * 4000, "is larger than 64 KiB: it is no token file"),
])
def test_content_it_cannot_use(stub: StubApi, tmp_path: Path, content: bytes, said: str) -> None:
    path = written(tmp_path / "token", content)
    code, stderr = run(stub, "whoami", "--token-file", path)
    prefix = "the token in " if said.startswith("has") else ""
    assert (code, stderr) == (1, f"error: {prefix}--token-file {path} {said}\n")


def test_a_missing_file_and_a_directory(stub: StubApi, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere")
    assert run(stub, "whoami", "--token-file", missing) == (
        1, f"error: cannot read --token-file {missing}: No such file or directory\n")
    assert run(stub, "release", "list", file_env=str(tmp_path)) == (
        1, f"error: cannot read GREENLIGHT_TOKEN_FILE ({tmp_path}): Is a directory\n")


def test_watch_exits_3_on_a_file_it_cannot_use(stub: StubApi, tmp_path: Path) -> None:
    code, stderr = run(stub, "watch", "r1", "--token-file", written(tmp_path / "token", b""))
    assert code == 3 and stderr.count("\n") == 1 and "is empty" in stderr


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_of_yours_open_to_others_is_refused(stub: StubApi, tmp_path: Path, mode: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = written(tmp_path / "token", SECRET.encode() + b"\n", mode)
    os.chown(path, 4242, -1)
    monkeypatch.setattr(os, "getuid", lambda: 4242)  # the tests may run as root, which is not asked (below)
    assert run(stub, "whoami", "--token-file", path) == (
        1, f"error: --token-file {path} is open to other users (mode {mode:04o}): run `chmod 600 {path}`\n")


def test_a_mounted_secret_someone_else_owns_is_read_as_it_is(stub: StubApi, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Kubernetes mounts a Secret root's and 0644 by default, docker 0444: the reader cannot chmod it."""
    path = written(tmp_path / "token", b"approver-token\n", 0o644)
    os.chown(path, 0, -1)
    monkeypatch.setattr(os, "getuid", lambda: 4242)
    result = CliRunner().invoke(app, ["whoami"], env={"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN_FILE": path},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("dev-approver")


def test_a_pipe_is_read(stub: StubApi) -> None:
    """`pass show greenlight | greenlight whoami --token-file /dev/stdin`: a pipe is no file others can open."""
    read_end, write_end = os.pipe()
    os.write(write_end, b"approver-token\n")
    os.close(write_end)
    try:
        result = CliRunner().invoke(app, ["whoami", "--token-file", f"/dev/fd/{read_end}"],
                                    env={"GREENLIGHT_URL": stub.url}, catch_exceptions=False)
    finally:
        os.close(read_end)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("dev-approver")
