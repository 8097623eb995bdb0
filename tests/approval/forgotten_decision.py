"""A decision the desk recorded (before its publish) beside a `failed` another service logged at its seq meanwhile,
which the fold stores as a conflict: what `forget`, after the decision's publish was refused, makes the release's own.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS


async def decision_beside_a_logged_failure(client: TestClient[web.Request, web.Application],
                                           release_id: str) -> ReleaseEvent:
    """Records `approved` as the desk does, then logs the policy's `failed` at the same seq; the record, to forget."""
    database = client.app[DATABASE]
    latest = await database.latest(release_id)
    assert latest is not None
    approved = latest.next(S.APPROVED, actor="dev-approver")
    await database.record(approved, strict=True)
    expired = latest.next(S.FAILED, actor="policy", error=ReleaseError(step="approval", reason="expired"))
    await client.app[BUS].publish(expired)
    return approved
