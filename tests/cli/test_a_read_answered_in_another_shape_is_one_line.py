"""A read command whose answer lacks what its table shows is one red line naming the route, never a traceback.

Another JSON service or a catch-all route at GREENLIGHT_URL answers 200 with its own body: `release list`,
`history`, `status`, `whoami`, `subscriptions list` and `release show` (a history event without a state) died with
KeyError, TypeError or AttributeError. `-o json` still prints whatever came (it reads nothing from it).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi, release_out


@pytest.mark.parametrize(("path", "body", "args", "said"), [
    ("/releases", {"items": [{"id": "r1"}]}, ("release", "list"), "GET /releases in a shape this CLI does not "
                                                                   "read (no 'state')"),
    ("/releases", {"items": "r1"}, ("release", "list"), "GET /releases in a shape this CLI does not read (a value "
                                                        "of another kind)"),
    ("/releases", {"items": [{}]}, ("history", "demo"), "GET /releases in a shape this CLI does not read (no "
                                                        "'state')"),
    ("/apps/demo", {"status": "ok"}, ("status", "demo"), "GET /apps/{app} in a shape this CLI does not read (no "
                                                         "'app')"),
    ("/me", {"name": "x", "roles": 5}, ("whoami",), "GET /me in a shape this CLI does not read (a value of another "
                                                    "kind)"),
    ("/subscriptions", {"items": [{"url": "https://example.org"}]}, ("subscriptions", "list"),
     "GET /subscriptions in a shape this CLI does not read (no 'id')"),
    ("/releases/r1", {"release": release_out(make_release("r1")), "history": [{"seq": 1}]}, ("release", "show", "r1"),
     "GET /releases/{id} in a shape this CLI does not read (no 'state')"),
])
def test_an_answer_in_another_shape(stub: StubApi, path: str, body: dict[str, Any], args: tuple[str, ...],
                                    said: str) -> None:
    stub.canned["GET", path] = body
    result = cli(stub, *args, token="admin-token")
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"error: Greenlight at {stub.url} answered {said}: is GREENLIGHT_URL the Greenlight "
                             "API's address?\n")

    as_json = cli(stub, *args, "-o", "json", token="admin-token")
    assert as_json.exit_code == 0, as_json.output
