"""`LogSettings(json_output=…)` passed by name chooses the log format, as `GREENLIGHT_LOG_JSON` does.

The field's validation alias (the variable's name) was the only name pydantic accepted: given by its own name the
value was dropped without a word, and the format followed the TTY test instead."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from services.shared.settings import LogSettings

SCRIPT = """
import structlog
from services.shared.logs import configure_logging
from services.shared.settings import LogSettings
configure_logging(LogSettings(json_output=False))
structlog.get_logger().info("hello", colour="blue")
"""


def test_the_field_given_by_name_is_kept_and_the_variable_still_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREENLIGHT_LOG_JSON", raising=False)
    assert LogSettings(json_output=True).json_output is True
    assert LogSettings(json_output=False).json_output is False
    monkeypatch.setenv("GREENLIGHT_LOG_JSON", "false")
    assert LogSettings().json_output is False


def test_console_output_asked_by_name_is_console_off_a_tty() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GREENLIGHT_LOG_JSON"}
    # stderr is a pipe: without the setting the format would be JSON lines.
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                          check=True, env=env)
    [line] = done.stderr.splitlines()
    assert "hello" in line and "colour" in line, line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
