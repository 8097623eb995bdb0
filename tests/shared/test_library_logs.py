"""Library logs (aio-pika, aiohttp: stdlib logging) come out as the same JSON lines, redacted."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import logging, structlog
from services.shared.logs import configure_logging
from services.shared.settings import LogSettings
configure_logging(LogSettings(json_output=True))
configure_logging(LogSettings(json_output=True))  # twice: still one line per record
logging.getLogger("aio_pika.robust_connection").warning(
    "Connection attempt to %r failed", "amqp://guest:hunter2secret@127.0.0.1:1/")
try:
    raise ValueError("boom")
except ValueError:
    logging.getLogger("aiohttp.server").exception("Error handling request")
logging.getLogger("aiormq.connection").debug("below the level: not printed")
structlog.get_logger("ours").info("ours", url="amqp://guest:hunter2secret@h/")
"""


def test_library_records_are_json_lines_with_secrets_redacted() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                          check=True)
    assert "hunter2secret" not in done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    assert [(line.get("logger"), line["level"]) for line in lines] == [
        ("aio_pika.robust_connection", "warning"), ("aiohttp.server", "error"), (None, "info")]
    assert lines[0]["event"] == "Connection attempt to 'amqp://guest:***@127.0.0.1:1/' failed"
    assert "ValueError: boom" in lines[1]["exception"]
