"""`greenlight up` as a user runs it: a real process, its children, signals and exit codes."""

from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.children import FAKE, free_port

pytestmark = pytest.mark.timeout(90)
ROOT = Path(__file__).parents[2]


class Up:
    """`python -m services.cli up ...` with its output read line by line on a thread."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "services.cli", "up", *args], cwd=ROOT,
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # end of output

    def expect(self, text: str, timeout: float = 30) -> str:
        while True:
            line = self.lines.get(timeout=timeout)
            assert line is not None, "\n".join([f"`up` ended before printing {text!r}", *self.seen])
            self.seen.append(line)
            if text in line:
                return line

    def finish(self, timeout: float = 30) -> tuple[int, str]:
        """Exit code and the whole output, once the process has exited and its output is read."""
        code = self.process.wait(timeout)
        while (line := self.lines.get(timeout=timeout)) is not None:
            self.seen.append(line)
        return code, "\n".join(self.seen)


@pytest.fixture
def env_file(tmp_path: Path) -> Iterator[tuple[Path, dict[str, int]]]:
    ports = {"builder": free_port(), "pusher": free_port()}
    lines = []
    for name, port in ports.items():
        variable = f"GREENLIGHT_{name.upper()}_PORT"
        lines += [f"{variable}={port}",
                  f'GREENLIGHT_UP_{name.upper()}_COMMAND="{sys.executable} {FAKE} {variable}"']
    path = tmp_path / "local.env"
    path.write_text("\n".join(lines) + "\n")
    yield path, ports


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_up_starts_the_chosen_services_and_stops_them_on_a_signal(
        env_file: tuple[Path, dict[str, int]], signum: int) -> None:
    path, ports = env_file
    up = Up("--only", "builder,pusher", "--env-file", str(path), "--grace", "10")
    up.expect("all services are up")
    assert any(line.startswith("builder | listening on") for line in up.seen)
    table = [line.split() for line in up.seen if line.split()[:1] in (["builder"], ["pusher"])
             and "healthy" in line]
    assert {(row[0], row[2], row[3]) for row in table} == {
        ("builder", str(ports["builder"]), "healthy"), ("pusher", str(ports["pusher"]), "healthy")}

    up.process.send_signal(signum)
    code, output = up.finish()
    assert code == 0, output
    assert "builder | got SIGTERM (obedient)" in output and "pusher  | drained, bye" in output
    assert output.count("stopped (0)") == 2


def test_a_child_that_dies_is_reported_and_up_exits_1(env_file: tuple[Path, dict[str, int]]) -> None:
    path, ports = env_file
    up = Up("--only", "builder,pusher", "--env-file", str(path), "--grace", "10")
    up.expect("all services are up")
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{ports['pusher']}/exit/7")
    code, output = up.finish()
    assert code == 1, output
    assert "error: pusher exited with code 7; stopping the others" in output
    assert "builder | got SIGTERM (obedient)" in output


def test_children_get_sigterm_even_if_up_is_killed(env_file: tuple[Path, dict[str, int]]) -> None:
    path, _ = env_file
    up = Up("--only", "builder", "--env-file", str(path))
    up.expect("all services are up")
    row = next(line.split() for line in up.seen if line.split()[:1] == ["builder"] and "healthy" in line)
    pid = int(row[1])
    child = os.pidfd_open(pid)  # readable once that process has exited, whoever its parent is
    try:
        up.process.kill()
        assert select.select([child], [], [], 30)[0] == [child], "the builder outlived a SIGKILLed `up`"
    finally:
        os.close(child)
    up.finish()


def test_unknown_service_names_are_refused(tmp_path: Path) -> None:
    up = Up("--only", "builder,bilder")
    code, output = up.finish()
    assert code == 1
    assert output == ("error: unknown service(s) bilder; choose from approval, builder, pusher, deployer, "
                      "switcher, notifier, analysis, events-app")


def test_a_missing_env_file_is_refused(tmp_path: Path) -> None:
    code, output = Up("--env-file", str(tmp_path / "nope.env")).finish()
    assert (code, output) == (1, f"error: env file {tmp_path / 'nope.env'} does not exist")
