"""`-o json` on every read command prints the API's answer as JSON, and nothing else."""

from __future__ import annotations

import json

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi


@pytest.fixture
def live(stub: StubApi) -> StubApi:
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING):
        stub.advance("r1", state)
    stub.advance("r1", S.AWAITING_APPROVAL, standby_colour=Colour.GREEN)
    for state in (S.APPROVED, S.SWITCHING, S.LIVE):
        stub.advance("r1", state)
    return stub


@pytest.mark.parametrize("args", [("release", "list"), ("release", "show", "r1"), ("status", "demo"),
                                  ("history", "demo"), ("whoami",)])
def test_read_commands_print_the_api_answer_as_json(live: StubApi, args: tuple[str, ...]) -> None:
    result = cli(live, *args, "-o", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert isinstance(answer, dict) and answer
    if args[0] == "status":
        assert (answer["live_colour"], answer["live_release"]["id"]) == ("green", "r1")
    if args[0] == "whoami":
        assert answer["name"] == "dev-approver"


def test_watch_prints_one_json_event_per_line(live: StubApi) -> None:
    result = cli(live, "watch", "r1", "--output", "json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, 11))
    assert events[-1]["state"] == "live"


def test_an_unknown_format_is_refused(live: StubApi) -> None:
    result = cli(live, "status", "demo", "-o", "yaml")
    assert result.exit_code == 2
    assert "yaml" in result.stderr
