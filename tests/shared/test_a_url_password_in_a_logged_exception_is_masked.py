"""A URL's password in a logged exception's text is masked, as it is in every other field of a line.

The redaction ran before the traceback was rendered: `exception` (ours with `exc_info`, and a library's, such as
aiohttp's "Error handling request") came out with `amqp://user:password@...` in clear."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import logging
import structlog
from services.shared.logs import configure_logging
configure_logging()
try:
    raise ConnectionError("cannot reach " + "amqp://guest:" + "hunter2secret" + "@broker:5672/")
except ConnectionError as exc:
    structlog.get_logger().error("broker unavailable", exc_info=exc)
    logging.getLogger("aiohttp.server").exception("Error handling request")
"""


def test_a_url_password_in_an_exception_is_masked_in_ours_and_a_librarys_lines() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                          check=True, env={**os.environ, "GREENLIGHT_LOG_JSON": "true"})
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["event"] for line in lines] == ["broker unavailable", "Error handling request"]
    for line in lines:
        assert "ConnectionError: cannot reach amqp://guest:***@broker:5672/" in line["exception"], line
    assert "hunter2secret" not in done.stderr
