"""A GREENLIGHT_URL whose port httpx cannot read (a typo `:80OO`, an IPv6 address missing its `]`) was a 60-line
traceback, not the one line every other bad URL gets; `watch` then exited 1, which says the release failed."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from services.cli.main import app


def run(url: str, *args: str) -> tuple[int, str, str]:
    env = {"GREENLIGHT_URL": url, "GREENLIGHT_TOKEN": "approver-token", "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("url", "shown"), [
    ("http://ops:s3cret@127.0.0.1:80OO", "http://***@127.0.0.1:80OO"),
    ("http://127.0.0.1:8000x/", "http://127.0.0.1:8000x"),
])
def test_one_line_naming_the_url_without_its_password(url: str, shown: str) -> None:
    code, out, err = run(url, "whoami", "-o", "json")
    assert (code, out) == (1, "")
    assert err == f"error: invalid Greenlight URL '{shown}': use http://host:port\n"


def test_watch_says_it_could_not_follow() -> None:
    code, out, err = run("http://127.0.0.1:80OO", "watch", "r1")
    assert (code, out) == (3, "")
    assert err == "error: invalid Greenlight URL 'http://127.0.0.1:80OO': use http://host:port\n"


def test_watch_refusing_the_token_itself_says_it_could_not_follow() -> None:
    result = CliRunner().invoke(app, ["watch", "r1"], env={"GREENLIGHT_URL": "http://127.0.0.1:9",
                                                           "GREENLIGHT_TOKEN": "gl-s3cr\u00e9t"})
    assert result.exit_code == 3, result.output
    assert "s3cr" not in result.stderr and result.stderr.startswith("error: the token in GREENLIGHT_TOKEN ")
