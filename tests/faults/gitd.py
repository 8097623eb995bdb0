"""A repository served by `git daemon` on a free loopback port, owned by one fault test."""

from __future__ import annotations

from pathlib import Path

from tests.faults.processes import Daemon
from tests.ports import free_port


def git_daemon(base: Path) -> tuple[Daemon, int]:
    port = free_port()
    argv = ["git", "daemon", "--verbose", "--export-all", "--reuseaddr", f"--base-path={base}",
            "--listen=127.0.0.1", f"--port={port}", str(base)]
    return Daemon("git daemon", argv, ready=r"Ready to rumble"), port
