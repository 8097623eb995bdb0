"""A subscription secret piped in as raw bytes (`head -c 32 /dev/urandom | greenlight subscriptions add ...
--secret-stdin`) crashed the command with a traceback: UnicodeDecodeError reading stdin, or (where Python keeps the
bytes as lone surrogates) UnicodeEncodeError in httpx. Receivers key their HMAC with the secret's UTF-8 bytes, so
such a secret cannot be used: now one line says so before anything is sent, without showing any of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
RAW = b"\xff\xfe\x9a s3cr3t-bytes \xe9\x00\x01"
SAID = ("error: the secret on stdin is not UTF-8 text, and receivers key their signature check with its UTF-8 "
        "bytes: pipe in text (e.g. `openssl rand -base64 32`), or leave out --secret-stdin to have one generated\n")


# Python keeps undecodable bytes as surrogates (the C.UTF-8 locale) or refuses them (other locales).
@pytest.mark.parametrize("errors", ["surrogateescape", "strict"])
@pytest.mark.parametrize("command", [["add", "s1", "https://hooks.example.org/x"], ["rotate-secret", "s1"]])
def test_raw_bytes_on_stdin_are_refused_in_one_line(stub: StubApi, errors: str, command: list[str]) -> None:
    env = {**os.environ, "GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "admin-token", "PYTHONPATH": str(ROOT),
           "PYTHONIOENCODING": f"utf-8:{errors}"}
    done = subprocess.run([sys.executable, "-m", "services.cli", "subscriptions", *command, "--secret-stdin"],
                          cwd=ROOT, env=env, input=RAW, capture_output=True, timeout=45)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.decode() == SAID
    assert b"s3cr3t" not in done.stdout + done.stderr
