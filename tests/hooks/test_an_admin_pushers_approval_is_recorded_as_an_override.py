"""With GREENLIGHT_API_ALLOW_ADMIN_SELF_APPROVAL an admin may approve their own push, as their own request: the
override is recorded, and stays recorded when someone else gives the approval that completes the count."""

from __future__ import annotations

from services.approval.policy import PolicyBounds
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import reach
from tests.hooks.git_daemon import Served
from tests.hooks.pushers import bearer, people_api, pushed_release


async def test_the_pushers_counted_approval_keeps_the_override(bus_settings: BusSettings, served: Served,
                                                               postgres_url: str) -> None:
    async with people_api(bus_settings, served, {"github": {"alice": "alice"}}, admins=("alice",),
                          allow_admin_self_approval=True, policy=PolicyBounds(min_approvals=2)) as api:
        release_id = await pushed_release(api, "github", served, "alice")
        own = await api.post(f"/releases/{release_id}/approve", headers=bearer("alice"))
        assert own.status == 200, await own.text()
        assert (await own.json())["state"] == "awaiting_approval"  # 1 of 2

        last = await api.post(f"/releases/{release_id}/approve", headers=bearer("bob"))
        assert last.status == 200, await last.text()
        assert (await last.json())["admin_override"] is True
        await reach(api, release_id, S.APPROVED)
        [approved] = await api.app[DATABASE].history(release_id, [S.APPROVED])
        assert approved.event.details["approvals"] == ["alice", "bob"]
        assert approved.event.details["admin_override"] is True
