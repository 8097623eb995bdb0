"""Four eyes on a push, past a rename nobody mapped: a push from an account (GitHub `sender.id`, GitLab `user_id`)
that pushed a release before under another login is refused to every identity it was recorded as, not only to the
name it has now. Before, alice (token `alice`; her git login `alice`, no GREENLIGHT_HOOKS_GIT_USERS entry) renamed her
account to `al1ce` after one release and approved her next pushed release: `al1ce` is not `alice`."""

from __future__ import annotations

import pytest

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import reach
from tests.approval.hook_account_pushes import decide, pushed, served
from tests.hooks.git_daemon import Served
from tests.hooks.pushers import bearer, people_api

__all__ = ["served"]
ACCOUNT = 583231


@pytest.mark.parametrize("host", ["github", "gitlab"])
async def test_a_renamed_account_is_refused_under_the_name_it_pushed_as_before(
        bus_settings: BusSettings, served: Served, any_database: str, host: str) -> None:
    async with people_api(bus_settings, served, {}) as api:
        first = await pushed(api, host, served, "alice", ACCOUNT, delivery="d-1")
        await decide(api, first, refused="alice", decider="bob", decision="reject")  # ends it: the app is free

        # Another account's push: what alice's account pushed as does not follow it.
        other = await pushed(api, host, served, "alice2", ACCOUNT + 1, delivery="d-2")
        assert (await api.post(f"/releases/{other}/reject", headers=bearer("alice"))).status == 200
        await reach(api, other, S.REJECTED)

        renamed = await pushed(api, host, served, "al1ce", ACCOUNT, delivery="d-3")
        await decide(api, renamed, refused="alice", decider="bob")  # before: alice approved it, 200
        [requested] = await api.app[DATABASE].history(renamed, [S.REQUESTED])
        assert {k: requested.event.details[k] for k in ("pushed_by", "pushed_as", "pusher_key")} == {
            "pushed_by": "al1ce", "pushed_as": ["alice"], "pusher_key": f"{host}:{ACCOUNT}"}
