"""An admin's approval of a release whose commit they pushed under a login in another case (`Bob`, not mapped to an
identity) stays an override in the decision another approver completes: four eyes found the release the admin's own
(`same_person`), and the count's check of the overrides compared names exactly, so the final `approved` recorded
`admin_override: false` (the audit trail lost it; the count was right). Failed on the old code.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.approval.approvals import Given
from services.approval.auth import Identity
from services.approval.four_eyes import Requester
from services.approval.settings import Role


def test_the_pusher_whose_approval_needed_the_override_is_found_among_the_approvals() -> None:
    requester = Requester("github-webhook", None, "Bob")  # pushed as login `Bob`, not mapped to an identity
    admin = Identity("bob", frozenset({Role.ADMIN}), "token:x")
    assert requester.own(admin) == "pushed this release's commit"  # his approval is an admin override
    given = [Given("bob", datetime.now(UTC), None, "token:x"), Given("carol", datetime.now(UTC), None, "token:y")]
    assert requester.among(given), "the override is dropped from the decision that completes the count"
