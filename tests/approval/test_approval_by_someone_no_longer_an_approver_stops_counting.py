"""Required approvals count people who may approve now: an approval given by a name the token table no longer
holds (the person's token removed, or renamed to another name) counts no more. Was: carol's approval, given before
her token was removed, completed the count with one other person; alice, whose token was renamed alice.smith,
approved twice and alone approved a release that needs two."""

from __future__ import annotations

from services.approval.auth import digest
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REQUESTER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

TWO = parse_app_spec("approval: {required_approvals: 2}\n")
APPROVES = frozenset({Role.APPROVER})


def person(name: str, token: str) -> TokenEntry:
    return TokenEntry(name=name, roles=APPROVES, token_sha256=digest(token))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_approval_by_a_removed_token_no_longer_counts(settings: ApprovalSettings) -> None:
    before = settings.model_copy(update={"tokens": [person("carol", "carol-token")]})
    async with running(fake_pipeline(settings.bus, spec=TWO)):
        async with api_client(before) as client:
            release_id = await staged_release(client)
            assert (await client.post(f"/releases/{release_id}/approve", headers=bearer("carol-token"))).status == 200
        # carol's token removed (the replica restarted, or another replica never had it): dev-approver is the
        # only approver there is, one of two.
        async with api_client(settings) as client:
            answer = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
            assert answer.status == 200, await answer.text()
            body = await answer.json()
            assert body["state"] == "awaiting_approval", body
            assert [g["by"] for g in body["approval"]["given"]] == ["dev-approver"]
            shown = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
            assert [g["by"] for g in shown["release"]["approval"]["given"]] == ["dev-approver"]
            latest = await client.app[DATABASE].latest(release_id)
            assert latest is not None and latest.state is S.AWAITING_APPROVAL


async def test_a_renamed_token_does_not_count_its_person_twice(settings: ApprovalSettings) -> None:
    before = settings.model_copy(update={"tokens": [person("alice", "alice-token")]})
    after = settings.model_copy(update={"tokens": [person("alice.smith", "alice-token")]})
    async with running(fake_pipeline(settings.bus, spec=TWO)):
        async with api_client(before) as client:
            release_id = await staged_release(client)
            assert (await client.post(f"/releases/{release_id}/approve", headers=bearer("alice-token"))).status == 200
        async with api_client(after) as client:
            again = await client.post(f"/releases/{release_id}/approve", headers=bearer("alice-token"))
            assert again.status == 200, await again.text()
            body = await again.json()
            assert body["state"] == "awaiting_approval", body
            assert [g["by"] for g in body["approval"]["given"]] == ["alice.smith"]
            # A second person completes it, with the names that count.
            done = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
            assert done.status == 200 and (await done.json())["state"] == "approved"
            await reach(client, release_id, S.APPROVED, S.LIVE)
            approved = next(s.event for s in await client.app[DATABASE].history(release_id)
                            if s.event.state is S.APPROVED)
    assert approved.details["approvals"] == ["alice.smith", "dev-approver"]
