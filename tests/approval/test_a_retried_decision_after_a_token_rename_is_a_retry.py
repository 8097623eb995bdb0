"""A retried decision from a caller whose token was renamed in between (the same secret, so the same caller key:
the same person, as four eyes and the approval count already hold) is answered as the retry it is, not 409.
Seen: alice approved (or gave the approval that completed a count of two), her token was renamed `alice.smith`,
her client retried the same request and met 409 "already approved by alice": `Made.theirs` compared names only
(decision_made.py: a decision now records its maker's key and the keys of the approvals it counted)."""

from __future__ import annotations

from services.approval.auth import digest
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.appspec import parse_app_spec
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

APPROVES = frozenset({Role.APPROVER})
TWO = parse_app_spec("approval: {required_approvals: 2}\n")


def named(settings: ApprovalSettings, name: str) -> ApprovalSettings:
    """The dev tokens, and alice's token under `name`."""
    entry = TokenEntry(name=name, roles=APPROVES, token_sha256=digest("alice-token"))
    return settings.model_copy(update={"tokens": [entry]})


ALICE = {"Authorization": "Bearer alice-token"}


async def test_a_retried_approval_after_a_token_rename_is_answered_as_a_retry(settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus)):
        async with api_client(named(settings, "alice")) as client:
            release_id = await staged_release(client)
            first = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=ALICE)
            assert first.status == 200, await first.text()
            await reach(client, release_id, S.LIVE)
        async with api_client(named(settings, "alice.smith")) as client:
            # The same request again (its answer was lost): the same person, by the same secret.
            retried = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=ALICE)
            assert retried.status == 200, await retried.text()
            assert (await retried.json())["state"] == "live"
            # Someone else still meets 409.
            late = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
            assert late.status == 409


async def test_a_retried_counted_approval_after_a_token_rename_is_answered_as_a_retry(
        settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus, spec=TWO)):
        async with api_client(named(settings, "alice")) as client:
            release_id = await staged_release(client)
            counted = await client.post(f"/releases/{release_id}/approve", headers=ALICE)
            assert counted.status == 200, await counted.text()
            done = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
            assert done.status == 200 and (await done.json())["state"] == "approved", await done.text()
            await reach(client, release_id, S.LIVE)
        async with api_client(named(settings, "alice.smith")) as client:
            retried = await client.post(f"/releases/{release_id}/approve", headers=ALICE)
            assert retried.status == 200, await retried.text()
