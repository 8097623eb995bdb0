"""Disabling a subscription (its receiver answered 410 Gone) updates its state row, or inserts one when it has none.
A rotation of its secret inserting that row between the two was taken for another replica's disabling: the disabling
was given up, the subscription stayed enabled and the next event went to the gone receiver. Now the row written
meanwhile is updated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection

from services.shared import subscription_pauses
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import SubscriptionSpec, SubscriptionTable

SECRET = "subscriber-secret-0123456789"


async def test_a_rotation_between_the_update_and_the_insert_does_not_stop_the_disabling(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = await open_migrated(DatabaseSettings())
    try:
        table, states = SubscriptionTable(engine), SubscriptionStates(engine)
        await table.add(SubscriptionSpec(id="ops", url="https://receiver.example/hook", secret=SECRET))  # type: ignore[arg-type]
        has_state = subscription_pauses._has_state
        rotated: list[bool] = []

        async def then_rotated(connection: AsyncConnection, subscription_id: str) -> Any:
            found = await has_state(connection, subscription_id)
            if not rotated:  # an admin's rotation commits right after the disabling found no state row
                rotated.append(await states.rotate("ops", SecretStr("the-new-secret-0123456789"), timedelta(hours=1)))
            return found

        monkeypatch.setattr(subscription_pauses, "_has_state", then_rotated)
        disabled = await states.disable("ops", "HTTP 410 Gone")
        [ops] = await table.all()
    finally:
        await engine.dispose()
    assert rotated == [True]
    assert disabled and ops.disabled_reason == "HTTP 410 Gone", ops.disabled_at
    assert ops.previous_secret is not None  # the rotation's state kept
