"""Watch lines carry the whole preview URL and the decision (who, and their comment), on any width."""

from __future__ import annotations

from typer.testing import CliRunner

from services.cli.main import app
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from tests.cli.conftest import make_release
from tests.cli.stub_api import StubApi

PREVIEW = "http://tmapp-green.preview.greenlight.internal.example.org:8089/a/rather/long/path?x=1"
IMAGE = "registry.example.org:5001/greenlight/tmapp@sha256:" + "a" * 64


def test_awaiting_approval_keeps_the_url_and_approved_says_who_and_why(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    stub.advance("r1", S.BUILT, image=IMAGE)
    for state in (S.PUSHING, S.PUSHED, S.DEPLOYING):
        stub.advance("r1", state)
    # As the deployer stages it: on green, beside blue, the colour live until the switch.
    stub.advance("r1", S.AWAITING_APPROVAL, standby_colour=Colour.GREEN, live_colour=Colour.BLUE, preview=PREVIEW)
    stub.advance("r1", S.APPROVED, "dev-approver", approver="dev-approver", comment="preview checked, ship it")
    stub.advance("r1", S.SWITCHING)
    stub.advance("r1", S.LIVE)

    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "approver-token", "COLUMNS": "60"}
    result = CliRunner().invoke(app, ["watch", "r1"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = {line.split()[2]: line for line in result.stdout.splitlines() if line[:2].isdigit()}
    assert lines["awaiting_approval"].endswith(f"colour=green  preview={PREVIEW}")
    assert lines["built"].endswith(f"image={IMAGE}")
    assert lines["approved"].endswith('by dev-approver: "preview checked, ship it"')
    assert "image" not in lines["approved"]
    assert lines["live"].endswith("colour=green")  # what serves now, not blue, which it replaced


def test_a_rejection_line_names_the_person_and_reason(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING):
        stub.advance("r1", state)
    stub.advance("r1", S.AWAITING_APPROVAL, preview=PREVIEW)
    stub.advance("r1", S.REJECTED, "dev-approver", approver="dev-approver", comment="500s on /api/events")
    env = {"GREENLIGHT_URL": stub.url, "GREENLIGHT_TOKEN": "approver-token", "COLUMNS": "60"}
    result = CliRunner().invoke(app, ["watch", "r1"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    rejected = next(line for line in result.stdout.splitlines() if line[:2].isdigit() and " rejected" in line)
    assert rejected.endswith('by dev-approver: "500s on /api/events"')
    assert result.stderr == "error: release rejected by dev-approver: 500s on /api/events\n"
