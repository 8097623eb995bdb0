"""Four eyes on a push: a release a git hook started is requested by `<host>-webhook`, so comparing the approver with
the requester alone let alice push to main and approve her own change. Whoever pushed (the verified payload's
login, mapped by GREENLIGHT_HOOKS_GIT_USERS; unmapped, as it is) is refused as the requester is, with the same
403; anyone else approves."""

from __future__ import annotations

import pytest

from services.approval.hook_settings import HookSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import reach
from tests.hooks.git_daemon import Served
from tests.hooks.pushers import bearer, people_api, pushed_release

MAPPED = {"github": {"Alice-GH": "alice"}, "gitlab": {"alice": "alice"}}


@pytest.mark.parametrize(("host", "login"), [
    ("github", "alice-gh"),  # GitHub's `sender.login`, mapped in any case as GitHub matches logins
    ("gitlab", "alice"),  # GitLab's `user_username`
    ("generic", "alice"),  # the generic hook's `pusher`, unmapped: compared as it is
])
async def test_the_pusher_is_refused_and_someone_else_approves(
        bus_settings: BusSettings, served: Served, postgres_url: str, host: str, login: str) -> None:
    async with people_api(bus_settings, served, MAPPED) as api:
        release_id = await pushed_release(api, host, served, login)

        own = await api.post(f"/releases/{release_id}/approve", headers=bearer("alice"))
        assert own.status == 403, await own.text()
        assert (await own.json())["error"] == "alice pushed this release's commit, so someone else must approve it."
        rejected = await api.post(f"/releases/{release_id}/reject", headers=bearer("alice"))
        assert rejected.status == 403  # as for a requester: neither decision is theirs
        release = await api.app[DATABASE].get(release_id)
        assert release is not None and (release.state, release.requested_by) == (
            S.AWAITING_APPROVAL, f"{host}-webhook")

        other = await api.post(f"/releases/{release_id}/approve", headers=bearer("bob"))
        assert other.status == 200, await other.text()
        assert (await other.json())["approver"] == "bob"
        await reach(api, release_id, S.APPROVED)
        [requested] = await api.app[DATABASE].history(release_id, [S.REQUESTED])
        assert requested.event.details["pushed_by"] == "alice"
        assert requested.event.details["pusher"] == {"host": host, "login": login}


def test_an_unmapped_login_is_its_own_name_and_a_mapped_one_matches_in_any_case() -> None:
    hooks = HookSettings.model_validate({"git_users": MAPPED})
    assert hooks.pusher_identity("github", "ALICE-gh") == "alice"
    assert hooks.pusher_identity("github", "alice") == "alice"  # not listed for GitHub: as it is
    assert hooks.pusher_identity("gitlab", "Alice-GH") == "Alice-GH"  # another host's login is another person


async def test_an_unmapped_login_spelled_otherwise_is_still_the_pusher(
        bus_settings: BusSettings, served: Served, postgres_url: str) -> None:
    """No start-up check covers a login the mapping does not list: `Alice` pushing is refused to the identity
    `alice`, on the safe side of the rule."""
    async with people_api(bus_settings, served, MAPPED) as api:
        release_id = await pushed_release(api, "generic", served, "Alice")
        own = await api.post(f"/releases/{release_id}/approve", headers=bearer("alice"))
        assert own.status == 403, await own.text()
        assert (await own.json())["error"] == "alice pushed this release's commit, so someone else must approve it."
