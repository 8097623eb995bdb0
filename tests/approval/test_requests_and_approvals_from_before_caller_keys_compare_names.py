"""A release requested before caller keys (its `requested` event has no `requester_key`) and approvals recorded
before them (a ledger row with no key beside it) still work, compared by name as they were: the requester is refused
by name, an approval repeated under the same name counts once, and the count completes with someone else's."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from services.approval.auth import digest
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.db.schema import greenlight_approvals
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, api_client, reach
from tests.approval.fakes import fake_pipeline
from tests.harness import make_release, running

TWO = parse_app_spec("approval: {required_approvals: 2}\n")
APPROVES = frozenset({Role.APPROVER, Role.REQUESTER})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_old_request_and_an_old_approval_are_compared_by_name(settings: ApprovalSettings) -> None:
    settings = settings.model_copy(update={"tokens": [
        TokenEntry(name=name, roles=APPROVES, token_sha256=digest(f"{name}-token")) for name in ("alice", "bob")]})
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        # Published as an API from before keys did: no requester_key in its details.
        requested = first_event(make_release("old-release", requested_by="alice"), actor="alice")
        await client.app[BUS].publish(requested)
        await reach(client, "old-release", S.AWAITING_APPROVAL)
        assert "requester_key" not in (await client.app[DATABASE].history("old-release"))[0].event.details
        own = await client.post("/releases/old-release/approve", headers=bearer("alice-token"))
        assert own.status == 403
        assert (await own.json())["error"] == "alice requested this release, so someone else must approve it."
        async with client.app[DATABASE].engine.begin() as connection:  # bob's approval, recorded before keys
            await connection.execute(sa.insert(greenlight_approvals).values(
                release_id="old-release", approver="bob", approved_at=datetime.now(UTC), comment="old"))
        again = await client.post("/releases/old-release/approve", headers=bearer("bob-token"))
        assert again.status == 200, await again.text()
        body = await again.json()
        assert (body["state"], [g["by"] for g in body["approval"]["given"]]) == ("awaiting_approval", ["bob"])
        done = await client.post("/releases/old-release/approve", headers=APPROVER)
        assert done.status == 200 and (await done.json())["state"] == "approved"
        await reach(client, "old-release", S.LIVE)
        approved = next(s.event for s in await client.app[DATABASE].history("old-release")
                        if s.event.state is S.APPROVED)
    assert approved.details["approvals"] == ["bob", "dev-approver"]
