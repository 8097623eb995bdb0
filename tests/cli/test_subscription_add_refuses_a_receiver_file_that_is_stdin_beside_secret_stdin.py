"""`greenlight subscriptions add --receiver-file PATH --secret-stdin` where PATH is standard input under another
name (`/dev/stdin`, `/dev/fd/0`, `/proc/self/fd/0`, or the very file or named pipe given on stdin) was not caught,
as `-` was: the receiver's read took all of stdin, and the user was told "no secret on stdin". Now it is refused in
one line naming both options, before anything is read or sent; a receiver file of its own still goes with a secret
on stdin. The command runs as a process of its own: only then is its file descriptor 0 the stdin it is given."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from services.approval.sql import SQL
from services.shared.subscriptions import SubscriptionTable
from tests.cli.real_api import SECRET, RealApi, served_api  # noqa: F401 - the real_api fixture

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]
RECEIVER = "https://hooks.example.com/greenlight"
STDIN_NAMES = ("/dev/stdin", "/dev/fd/0", "/proc/self/fd/0")


async def greenlight(api_url: str, receiver_file: str, stdin: int) -> tuple[int, str]:
    """`greenlight subscriptions add ops --receiver-file RECEIVER_FILE --secret-stdin`, `stdin` its fd 0."""
    env = {**os.environ, "GREENLIGHT_URL": api_url, "GREENLIGHT_TOKEN": "admin-token", "PYTHONPATH": str(ROOT)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", "subscriptions", "add", "ops", "--receiver-file", receiver_file,
        "--secret-stdin", cwd=ROOT, env=env, stdin=stdin, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(60):  # a child that reads the pipe below waits for its writer for good
            _, stderr = await child.communicate()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode is not None
    return child.returncode, stderr.decode()


def refusal(receiver_file: str) -> tuple[int, str]:
    return 1, (f"error: --receiver-file {receiver_file} and --secret-stdin both read stdin: give the receiver with "
               "--receiver-file PATH\n")


async def test_stdin_under_another_name_is_refused(real_api: RealApi, tmp_path: Path) -> None:
    given = tmp_path / "given"
    given.write_text(f"{RECEIVER}\n{SECRET}\n")
    os.chmod(given, 0o600)  # readable as a receiver file: the refusal is the one reason left
    for name in (*STDIN_NAMES, str(given)):
        with given.open("rb") as stdin:
            assert await greenlight(real_api.url, name, stdin.fileno()) == refusal(name), name
    assert await SubscriptionTable(await real_api.app[SQL].get()).all() == []


async def test_a_named_pipe_given_as_the_path_and_on_stdin_is_refused(real_api: RealApi, tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe, 0o600)
    reading = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    writing = os.open(pipe, os.O_WRONLY)  # held open: the pipe is never at its end while the command runs
    try:
        os.write(writing, f"{RECEIVER}\n{SECRET}\n".encode())
        os.set_blocking(reading, True)
        assert await greenlight(real_api.url, str(pipe), reading) == refusal(str(pipe))
    finally:
        os.close(writing)
        os.close(reading)


async def test_a_receiver_file_of_its_own_goes_with_a_secret_on_stdin(real_api: RealApi, tmp_path: Path) -> None:
    receiver, secret = tmp_path / "receiver", tmp_path / "secret"
    receiver.write_text(f"{RECEIVER}\n")
    secret.write_text(f"{SECRET}\n")
    os.chmod(receiver, 0o600)
    with secret.open("rb") as stdin:
        code, said = await greenlight(real_api.url, str(receiver), stdin.fileno())
    assert code == 0, said
    added = await SubscriptionTable(await real_api.app[SQL].get()).all()
    assert [(s.id, str(s.url), s.secret.get_secret_value()) for s in added] == [("ops", RECEIVER, SECRET)]
