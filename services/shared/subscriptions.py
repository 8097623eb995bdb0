"""Notification subscriptions: who wants which release events, where, signed with which secret.

Shared by the approval service (the admin API writes them) and the notifier (reads them per event),
so a subscription added through the API takes effect with the next event, on every notifier replica.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db import schema
from services.shared.events import ReleaseEvent
from services.shared.protocol import WORK_QUEUES, routing_key
from services.shared.protocol import ReleaseState as S
from services.shared.release import AppName

NOTIFIED: tuple[S, ...] = WORK_QUEUES["notifier"]  # what the notifier's queue may be bound to
SLACK_STATES = (S.AWAITING_APPROVAL, S.FAILED, S.ROLLED_BACK)  # a Slack message: a person may have to act
SubscriptionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class SubscriptionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SubscriptionId
    url: AnyHttpUrl = Field(description="where deliveries are POSTed (http or https)")
    secret: SecretStr = Field(min_length=16, description="HMAC key; write-only, never shown or delivered")
    apps: tuple[AppName, ...] = Field((), description="apps to notify of; empty: every app")
    states: tuple[S, ...] = Field(
        (), description="states to notify of; empty: every notified state",
        # The document offers exactly the notified states, as the validator below accepts.
        json_schema_extra={"items": {"enum": [s.value for s in NOTIFIED]}},
    )
    format: Literal["cloudevents", "slack"] = Field("cloudevents", description="body of each delivery")

    @field_validator("states")
    @classmethod
    def _notified_only(cls, states: tuple[S, ...]) -> tuple[S, ...]:
        unknown = [s.value for s in states if s not in NOTIFIED]
        if unknown:
            raise ValueError(f"not notified: {', '.join(unknown)}; choose from {', '.join(NOTIFIED)}")
        return states

    def wanted(self) -> tuple[S, ...]:
        states = self.states or NOTIFIED
        return tuple(s for s in states if s in SLACK_STATES) if self.format == "slack" else states

    def matches(self, event: ReleaseEvent) -> bool:
        if self.apps and event.app not in self.apps:
            return False
        return event.state in self.wanted()

    def routing_keys(self) -> list[str]:
        """What the notifier's queue is bound to for this subscription (services/shared/notified.py)."""
        return [routing_key(app, state) for app in self.apps or ("*",) for state in self.wanted()]


subscriptions = schema.greenlight_subscriptions


class SubscriptionExists(ValueError):
    pass


class SubscriptionTable:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, spec: SubscriptionSpec) -> None:
        raw = {**spec.model_dump(mode="json"), "secret": spec.secret.get_secret_value()}
        try:
            async with self.engine.begin() as connection:
                await connection.execute(insert(subscriptions).values(id=spec.id, spec=json.dumps(raw)))
        except IntegrityError:
            raise SubscriptionExists(spec.id) from None

    async def remove(self, subscription_id: str) -> bool:
        async with self.engine.begin() as connection:
            result = await connection.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def all(self) -> list[SubscriptionSpec]:
        async with self.engine.connect() as connection:
            rows = (await connection.execute(select(subscriptions.c.spec).order_by(subscriptions.c.id))).all()
        # Read back as `add` wrote it (json.dumps) and the API parsed it (json.loads): pydantic's own JSON parser
        # refuses a lone surrogate (`\ud800`) in a secret, and one such row failed every read, every delivery.
        return [SubscriptionSpec.model_validate(json.loads(row.spec)) for row in rows]
