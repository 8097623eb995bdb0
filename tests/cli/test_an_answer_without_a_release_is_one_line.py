"""An answer that carries no release (another JSON service at GREENLIGHT_URL, a catch-all route answering `{}`) is
one red line naming what it lacked, never a KeyError traceback; `watch` exits 3 (not followed), not 1 (failed)."""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

SUFFIX = ": is GREENLIGHT_URL the Greenlight API's address?\n"


@pytest.mark.parametrize(("body", "lacks"), [
    ({"status": "ok"}, "id, app, state"),
    ({"release": ["r1"]}, "id, app, state"),
    ({"release": {"id": "r1", "app": "demo", "state": 3}}, "state"),
    ({"release": {"id": "r1", "app": None, "state": "live"}, "history": []}, "app"),
])
@pytest.mark.parametrize(("args", "code"), [
    (("release", "show", "r1"), 1), (("release", "show", "r1", "-o", "json"), 1), (("watch", "r1"), 3)])
def test_reading_a_release(stub: StubApi, body: dict[str, Any], lacks: str, args: tuple[str, ...],
                           code: int) -> None:
    stub.canned["GET", "/releases/r1"] = body
    result = cli(stub, *args)
    assert result.exit_code == code, result.output
    assert result.stderr == (f"error: Greenlight at {stub.url} answered GET /releases/{{id}} without a release's "
                             f"{lacks}{SUFFIX}")
    assert result.stdout == ""


def test_a_history_that_is_no_list_of_events(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.canned["GET", "/releases/r1"] = {"release": {"id": "r1", "app": "demo", "state": "live"},
                                          "history": ["requested"]}
    result = cli(stub, "release", "show", "r1")
    assert (result.exit_code, result.stderr) == (1, f"error: Greenlight at {stub.url} answered GET /releases/{{id}} "
                                                    f"with a history that is no list of events{SUFFIX}")


@pytest.mark.parametrize(("method", "path", "args"), [
    ("POST", "/releases/r1/approve", ("approve", "r1")),
    ("POST", "/releases/r1/reject", ("reject", "r1")),
    ("POST", "/releases/r1/abort", ("abort", "r1", "--reason", "x")),
    ("POST", "/apps/demo/rollback", ("rollback", "demo", "--reason", "x")),
    ("POST", "/releases", ("release", "create", "--app", "demo", "--repo", "https://example.org/demo.git",
                           "--commit", "0123456789abcdef0123456789abcdef01234567")),
])
def test_a_command_answered_without_its_release(stub: StubApi, method: str, path: str,
                                                args: tuple[str, ...]) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    stub.canned[method, path] = {"ok": True}
    result = cli(stub, *args, token="admin-token")
    route = {"/releases/r1/approve": "POST /releases/{id}/approve", "/releases/r1/reject": "POST /releases/{id}/reject",
             "/releases/r1/abort": "POST /releases/{id}/abort", "/apps/demo/rollback": "POST /apps/{app}/rollback",
             "/releases": "POST /releases"}[path]
    assert (result.exit_code, result.stderr) == (
        1, f"error: Greenlight at {stub.url} answered {route} without a release's id, app, state{SUFFIX}")
