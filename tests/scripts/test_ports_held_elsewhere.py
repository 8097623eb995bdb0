"""A port held by another process (another checkout's HAProxy) is reported by name, never shared.

Runs the real scripts/infra/haproxy.sh in clones with their own .local/ and free ports, never 8088/8089.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ports import free_port
from tests.scripts.clones import clone, script

HAPROXY = "scripts/infra/haproxy.sh"


@pytest.fixture
def ports() -> dict[str, str]:
    return {"GREENLIGHT_LOCAL_LIVE_PORT": str(free_port()), "GREENLIGHT_LOCAL_PREVIEW_PORT": str(free_port())}


@pytest.fixture
def first(tmp_path: Path) -> Iterator[Path]:
    checkout = clone(tmp_path, "first")
    yield checkout
    pidfile = checkout / ".local" / "haproxy.pid"
    if pidfile.exists():  # the HAProxy this test started, by its recorded pid
        try:
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            pass


def test_a_port_held_by_any_process_is_named_with_its_holder(first: Path, ports: dict[str, str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = script(first, HAPROXY, {**ports, "GREENLIGHT_LOCAL_LIVE_PORT": str(port)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"port {port} (for haproxy) is held by another process" in done.stderr
    assert f"pid {os.getpid()} " in done.stderr and "set GREENLIGHT_LOCAL_LIVE_PORT" in done.stderr
    assert not (first / ".local" / "haproxy.pid").exists()  # nothing was started beside it


def test_a_second_checkout_does_not_start_a_second_haproxy_on_the_same_ports(first: Path, tmp_path: Path,
                                                                            ports: dict[str, str]) -> None:
    started = script(first, HAPROXY, ports)
    assert started.returncode == 0, started.stdout + started.stderr
    config = (first / ".local" / "haproxy" / "haproxy.cfg").read_text()
    assert "    noreuseport\n" in config
    # The same checkout again: its own HAProxy holds the ports, which is fine.
    assert script(first, HAPROXY, ports).returncode == 0
    second = clone(tmp_path, "second")
    refused = script(second, HAPROXY, ports)
    assert refused.returncode == 1
    assert f"port {ports['GREENLIGHT_LOCAL_LIVE_PORT']} (for haproxy) is held by another process" in refused.stderr
    assert "haproxy" in refused.stderr and str(first) in refused.stderr  # the holder's command line
    assert not (second / ".local" / "haproxy.pid").exists()
