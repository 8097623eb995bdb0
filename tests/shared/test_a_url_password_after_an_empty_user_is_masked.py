"""A URL whose userinfo is a password alone (`redis://:password@host`, Redis's own form; libpq's too) has it masked.

The free-text masker every log line goes through wanted a user name before the `:`, so such a password was printed
in clear in any field, message or error text holding the URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from services.shared.logs import mask_url_passwords

SCRIPT = """
import structlog
from services.shared.logs import configure_logging
configure_logging()
structlog.get_logger().warning("cache unavailable", error="cannot reach redis://:hunter2secret@cache:6379/0")
"""


def test_a_password_without_a_user_is_masked() -> None:
    assert mask_url_passwords("redis://:hunter2@cache:6379/0 refused") == "redis://:***@cache:6379/0 refused"
    assert mask_url_passwords("postgresql://:hunter2@db/greenlight") == "postgresql://:***@db/greenlight"
    assert mask_url_passwords("amqp://guest:hunter2@h/") == "amqp://guest:***@h/"  # as before
    assert mask_url_passwords("http://host:8080/path") == "http://host:8080/path"


def test_a_logged_field_with_such_a_url_is_masked() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                          check=True, env={**os.environ, "GREENLIGHT_LOG_JSON": "true"})
    assert "hunter2secret" not in done.stderr
    assert json.loads(done.stderr)["error"] == "cannot reach redis://:***@cache:6379/0"
