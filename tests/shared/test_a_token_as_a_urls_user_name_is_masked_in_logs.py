"""A token given as an http(s) URL's user name (`https://ghp_…@github.com`, `https://x-access-token:…@host`) is masked
in every log line, as a URL's password was: in a message, a field, an exception's text and a library's line.

The free-text masker masked a password after a user name only, so a token that is the user name (GitHub's and
GitLab's clone URLs, a CI's `x-access-token:` form where the user is no secret but the rest is) was printed in clear;
an exception given as a field was printed through its repr, past the masker. ssh's user stays readable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

TOKEN = "ghp_" + "abc123secretvalue"
SCRIPT = f"""
import logging
import structlog
from services.shared.logs import configure_logging
configure_logging()
log = structlog.get_logger()
log.info("cloning https://{TOKEN}@github.com/o/r.git")
log.info("cloning", repository="https://x-access-token:{TOKEN}@git.example.com/o/r.git")
log.info("cloning", repository="ssh://git@github.com/o/r.git", scp="git@github.com:o/r.git")
error = RuntimeError("fetch from HTTPS://{TOKEN}@github.com/o/r.git failed")
log.warning("fetch failed", error=error)
try:
    raise error
except RuntimeError:
    log.exception("fetch failed")
    logging.getLogger("aiohttp.client").exception("request to https://oauth2:{TOKEN}@gitlab.example/x failed")
"""


def test_a_token_as_user_name_is_masked_and_an_ssh_user_is_not() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                          check=True, env={**os.environ, "GREENLIGHT_LOG_JSON": "true"})
    assert TOKEN not in done.stderr, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["event"] for line in lines] == [
        "cloning https://***@github.com/o/r.git", "cloning", "cloning", "fetch failed", "fetch failed",
        "request to https://***@gitlab.example/x failed"]
    assert lines[1]["repository"] == "https://***@git.example.com/o/r.git"
    assert (lines[2]["repository"], lines[2]["scp"]) == ("ssh://git@github.com/o/r.git", "git@github.com:o/r.git")
    assert "HTTPS://***@github.com/o/r.git" in lines[3]["error"]
    for line in lines[4:]:
        assert "RuntimeError: fetch from HTTPS://***@github.com/o/r.git failed" in line["exception"], line
