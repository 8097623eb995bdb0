"""Helpers for supervisor tests: free ports and specs of fake_service.py children."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from services.cli.child import ChildSpec

FAKE = str(Path(__file__).with_name("fake_service.py"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fake(name: str, mode: str = "obedient") -> ChildSpec:
    port = free_port()
    return ChildSpec(name, [sys.executable, FAKE, "FAKE_PORT", mode], port,
                     env={**os.environ, "FAKE_PORT": str(port)})
