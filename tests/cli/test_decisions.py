"""`greenlight approve` / `reject`: the decision, and every refusal as one clear line."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi


def awaiting(stub: StubApi, rid: str = "r1", requested_by: str = "dev-requester") -> None:
    stub.add(make_release(rid, requested_by=requested_by))
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL):
        stub.advance(rid, state)


def test_approve_records_the_approver_and_comment(stub: StubApi) -> None:
    awaiting(stub)
    result = cli(stub, "approve", "r1", "--comment", "looks good")
    assert result.exit_code == 0, result.output
    assert result.stdout == "release r1 of demo is now approved\n"
    latest = stub.latest["r1"]
    assert latest.state == S.APPROVED
    assert (latest.release.approver, latest.release.comment) == ("dev-approver", "looks good")


def test_reject_ends_the_release(stub: StubApi) -> None:
    awaiting(stub)
    result = cli(stub, "reject", "r1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "release r1 of demo is now rejected\n"
    assert stub.state("r1") == S.REJECTED


def test_deciding_on_a_release_not_awaiting_approval_shows_its_state(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    result = cli(stub, "approve", "r1")
    assert result.exit_code == 1
    assert result.stderr == "error: release is requested, not awaiting_approval\n"


def test_requesters_may_not_approve(stub: StubApi) -> None:
    awaiting(stub, requested_by="someone-else")
    result = cli(stub, "approve", "r1", token="requester-token")
    assert result.exit_code == 1
    assert result.stderr == ("error: dev-requester lacks the approver role; use a token with that role, "
                             "or ask someone who has it\n")
    assert stub.state("r1") == S.AWAITING_APPROVAL


def test_no_token_says_how_to_give_one(stub: StubApi) -> None:
    awaiting(stub)
    result = cli(stub, "approve", "r1", token=None)
    assert result.exit_code == 1
    assert result.stderr == ("error: no API token given: set GREENLIGHT_TOKEN to the token your Greenlight operator "
                             "issued you, or GREENLIGHT_TOKEN_FILE (--token-file) to a file holding it\n")


def test_the_token_option_overrides_the_environment(stub: StubApi) -> None:
    awaiting(stub)
    result = cli(stub, "approve", "r1", "--token", "admin-token", token="requester-token")
    assert result.exit_code == 0, result.output
    assert stub.latest["r1"].release.approver == "dev-admin"
