"""Four eyes on a push, past a rename: GREENLIGHT_HOOKS_GIT_USERS may name a pusher by their account's id on the host
(`"id:<GitHub sender.id | GitLab user_id>"`), which a rename leaves alone, and the id decides over the login. Before,
the mapping knew logins only: alice, mapped as `alice-gh`, renamed her GitHub account and approved her own push (the
new login was compared as it is), and whoever took the freed login `alice-gh` was mapped to alice, free to approve
his own push. The `requested` event records the stable key of the account (`pusher_key`, `github:<id>`)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.approval.hook_settings import HookSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.hook_account_pushes import decide, pushed, served
from tests.hooks.git_daemon import Served
from tests.hooks.pushers import people_api

__all__ = ["served"]
ACCOUNT = 583231


@pytest.mark.parametrize("host", ["github", "gitlab"])
async def test_a_renamed_account_mapped_by_its_id_may_not_approve_its_push(
        bus_settings: BusSettings, served: Served, host: str) -> None:
    async with people_api(bus_settings, served, {host: {"alice-gh": "alice", f"id:{ACCOUNT}": "alice"}}) as api:
        release_id = await pushed(api, host, served, "alice-renamed", ACCOUNT)
        await decide(api, release_id, refused="alice", decider="bob")  # before: alice approved, 200
        [requested] = await api.app[DATABASE].history(release_id, [S.REQUESTED])
        assert {k: requested.event.details[k] for k in ("pushed_by", "pusher", "pusher_key")} == {
            "pushed_by": "alice", "pusher": {"host": host, "login": "alice-renamed", "id": ACCOUNT},
            "pusher_key": f"{host}:{ACCOUNT}"}


async def test_the_account_id_decides_over_a_login_another_account_took(
        bus_settings: BusSettings, served: Served) -> None:
    """alice renamed `alice-gh` away and bob's account (2002) took that login: his pushes are his."""
    git_users = {"github": {"alice-gh": "alice", f"id:{ACCOUNT}": "alice", "id:2002": "bob"}}
    async with people_api(bus_settings, served, git_users) as api:
        release_id = await pushed(api, "github", served, "alice-gh", 2002)
        await decide(api, release_id, refused="bob", decider="alice")  # before: bob approved his own push


@pytest.mark.parametrize(("git_users", "refusal"), [
    ({"github": {"id:alice": "alice"}}, "github key 'id:alice' is not id:<the account's numeric id>"),
    ({"gitlab": {"id:0": "alice"}}, "gitlab key 'id:0' is not id:<the account's numeric id>"),
    ({"generic": {"id:7": "alice"}}, "generic pushes carry no account id: 'id:7' would match nothing"),
])
def test_an_account_key_that_could_match_nothing_is_refused(git_users: dict[str, dict[str, str]],
                                                            refusal: str) -> None:
    with pytest.raises(ValidationError, match=refusal):
        HookSettings.model_validate({"git_users": git_users})
