"""Helpers for supervisor tests: free ports and specs of fake_service.py children."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from services.cli.child import ChildSpec
from tests.ports import free_port

FAKE = str(Path(__file__).with_name("fake_service.py"))


def fake(name: str, mode: str = "obedient") -> ChildSpec:
    port = free_port()
    return ChildSpec(name, [sys.executable, FAKE, "FAKE_PORT", mode], port,
                     env={**os.environ, "FAKE_PORT": str(port)})
