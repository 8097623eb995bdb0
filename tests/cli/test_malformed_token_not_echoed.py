"""A token with a stray character was printed whole in the error, or crashed the command with a traceback.

A token pasted with a trailing space, or read from a file with Windows line ends (`$(cat token.txt)` keeps
the `\\r`), makes an illegal header: httpx refused it with "Illegal header value b'Bearer <the token>'",
which the CLI printed as its error line, so the secret went to the screen and the CI log. A non-ASCII
character (a typo with an accent) raised UnicodeEncodeError past every handler: a traceback. Whitespace
around a token is now dropped (it is never part of one); any other character a bearer token cannot hold is
refused with one line naming the setting, never the token.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.cli.stub_api import StubApi


@pytest.mark.parametrize("pasted", ["approver-token\r", "approver-token ", "\tapprover-token\r\n"])
def test_whitespace_around_the_token_is_dropped(stub: StubApi, pasted: str) -> None:
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": pasted}
    result = CliRunner().invoke(app, ["whoami"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("dev-approver")


@pytest.mark.parametrize("token", ["approver-tokén-s3cr3t", "approver token s3cr3t", "approver-\x1b-s3cr3t"])
def test_a_token_with_impossible_characters_is_refused_without_echoing_it(stub: StubApi, token: str) -> None:
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": token}
    result = CliRunner().invoke(app, ["release", "list"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert "s3cr3t" not in result.stdout + result.stderr
    assert result.stderr == ("error: the token in GREENLIGHT_TOKEN has characters no API token has (spaces, "
                             "accents, control characters): copy it again from where it was issued\n")
