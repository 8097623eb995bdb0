"""The requester under a name their token's new spelling differs from only in case (or by a look-alike letter) is
still the requester. Names are one person's whatever their case everywhere else (the start-up check, `same_person`
for a pusher), but four_eyes.py compared the requester's recorded name exactly: alice requested a release, her token
was rotated and renamed `Alice` (a new secret, so a new caller key), and her approval of her own release was
accepted; an approval given under the other case was no override to the decision completing the count either."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.approval.approvals import Given
from services.approval.auth import Identity
from services.approval.four_eyes import Requester
from services.approval.settings import ApprovalSettings, Role
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import api_client, staged_release
from tests.approval.fakes import fake_pipeline
from tests.approval.test_a_renamed_requester_may_not_decide_on_their_own_release import bearer, tokens
from tests.harness import running

RESPELT = ["Alice", "ALICE", "\u0430lice"]  # the last with a Cyrillic a (U+0430)


@pytest.mark.parametrize("respelt", RESPELT)
async def test_the_requester_respelt_with_a_new_token_is_refused(settings: ApprovalSettings, respelt: str) -> None:
    async with running(fake_pipeline(settings.bus)):
        async with api_client(tokens(settings, "alice", "alice-token")) as client:
            release_id = await staged_release(client, headers=bearer("alice-token"))
        async with api_client(tokens(settings, respelt, "alice-new-token")) as client:
            for decision in ("approve", "reject"):
                answer = await client.post(f"/releases/{release_id}/{decision}", headers=bearer("alice-new-token"))
                assert answer.status == 403, await answer.text()
                assert (await answer.json())["error"] == (
                    f"{respelt} requested this release (as alice), so someone else must {decision} it.")
            assert (await client.app[DATABASE].latest(release_id)).state is S.AWAITING_APPROVAL  # type: ignore[union-attr]


@pytest.mark.parametrize("respelt", RESPELT)
def test_an_approval_under_another_case_is_the_requesters_own(respelt: str) -> None:
    requester = Requester("alice", key="token:old")
    given = [Given(respelt, datetime(2025, 1, 1, tzinfo=UTC), None, key="token:new")]
    assert requester.among(given)
    assert requester.is_caller(Identity(respelt, frozenset({Role.ADMIN}), "token:new"))
    assert not requester.among([Given("alicia", datetime(2025, 1, 1, tzinfo=UTC), None, key="token:other")])
