"""A refused decision says why and what to do. Every 403 got "use a token with that role, or ask someone who has it"
appended, the advice for a missing role: an approver refused their own release (four eyes) was told to find a token
with a role they hold, and a repository the operator's policy refuses read the same."""

from __future__ import annotations

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, TO_APPROVAL, advance, api_client, request_release
from tests.cli.conftest import greenlight

pytestmark = pytest.mark.timeout(60)


async def test_approving_ones_own_release_says_someone_else_must(bus_settings: BusSettings) -> None:
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        release_id = (await request_release(client, "four-eyes", headers=APPROVER))["id"]
        await advance(client, release_id, *TO_APPROVAL)
        url = str(client.make_url("")).rstrip("/")
        own = await greenlight(url, "approver-token", "approve", release_id)
        no_role = await greenlight(url, "requester-token", "approve", release_id)
    assert own.exit_code == 1
    assert own.stderr == "error: dev-approver requested this release, so someone else must approve it.\n"
    assert no_role.exit_code == 1  # a missing role still gets the advice
    assert no_role.stderr == ("error: This needs the approver role, which dev-requester does not have; use a "
                              "token with that role, or ask someone who has it\n")
