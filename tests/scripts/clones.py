"""Second checkouts for the script tests: a `git clone` of this one in a temp dir, sharing its venv."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clone(parent: Path, name: str) -> Path:
    """A clone of this checkout's HEAD; its .local/ is its own (not the shared one)."""
    target = parent / name
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True, timeout=120)
    (target / ".venv").symlink_to((ROOT / ".venv").resolve())
    return target


def script(checkout: Path, path: str, env: dict[str, str] | None = None, *args: str,
           ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GREENLIGHT_", "AMQP_URL"))}
    return subprocess.run(["bash", str(checkout / path), *args], cwd=checkout, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=120)
