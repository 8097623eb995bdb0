"""Delivery records: one row per (subscription, event), its status and attempts; the notifier's effect check.

SQLAlchemy Core on the read model's `greenlight_notifier_deliveries` table (services/shared/db/schema.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db import schema
from services.shared.events import ReleaseEvent
from services.shared.release import utcnow


class Status(StrEnum):
    PENDING = "pending"  # not delivered yet; a retry is parked on the broker
    DELIVERED = "delivered"
    FAILED = "failed"  # every retry spent, or its subscription removed or disabled (services/shared/subscriptions.py)


deliveries = schema.greenlight_notifier_deliveries


@dataclass(frozen=True)
class Record:
    subscription_id: str
    event_id: str
    release_id: str
    seq: int
    state: str
    status: Status
    attempts: int
    last_error: str | None
    updated_at: datetime


class DeliveryRecords:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def open(self, subscription_id: str, event: ReleaseEvent) -> Record:
        """The record of this delivery, created pending on first sight."""
        row = dict(subscription_id=subscription_id, event_id=event.message_id, release_id=event.release_id,
                   seq=event.seq, state=event.state.value, status=Status.PENDING.value, attempts=0,
                   last_error=None, updated_at=utcnow())
        try:
            async with self.engine.begin() as connection:
                await connection.execute(insert(deliveries).values(**row))
        except IntegrityError:
            pass  # seen before (a redelivery or a retry): read what it got to
        found = await self._get(subscription_id, event.message_id)
        assert found is not None
        return found

    async def earlier_pending(self, subscription_id: str, release_id: str, seq: int) -> list[Record]:
        """The earlier events of the release still pending for this subscriber, in order: later ones wait for the
        first not abandoned (an abandoned first one hid a retry still on its way behind it)."""
        query = select(deliveries).where(and_(
            deliveries.c.subscription_id == subscription_id, deliveries.c.release_id == release_id,
            deliveries.c.seq < seq, deliveries.c.status == Status.PENDING.value,
        )).order_by(deliveries.c.seq)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_record(row._mapping) for row in rows]

    async def attempted(self, record: Record, status: Status, error: str | None = None) -> bool:
        """An attempt counted, and its outcome written; whether it was. A final one always is (what the receiver
        answered, over the `settle_pending` of a removal or disabling made while the attempt was under way), a retry's
        only over a pending record: the settled one is not opened again for its receiver's Retry-After (an hour)."""
        this = and_(deliveries.c.subscription_id == record.subscription_id, deliveries.c.event_id == record.event_id)
        outcome = dict(status=status.value, attempts=deliveries.c.attempts + 1, last_error=error, updated_at=utcnow())
        async with self.engine.begin() as connection:
            if status != Status.PENDING:
                await connection.execute(update(deliveries).where(this).values(**outcome))
                return True
            done = await connection.execute(update(deliveries).where(and_(
                this, deliveries.c.status == Status.PENDING.value)).values(**outcome))
            if done.rowcount:  # type: ignore[attr-defined]
                return True
            await connection.execute(update(deliveries).where(this).values(attempts=deliveries.c.attempts + 1))
            return False

    async def waiting(self, record: Record) -> None:
        """`record` was parked behind an earlier event just now: its retry is coming (`Notifier.abandoned`)."""
        async with self.engine.begin() as connection:
            await connection.execute(update(deliveries).where(and_(
                deliveries.c.subscription_id == record.subscription_id, deliveries.c.event_id == record.event_id,
                deliveries.c.status == Status.PENDING.value,
            )).values(updated_at=utcnow()))

    async def orphaned(self, subscription_id: str, event: ReleaseEvent, reason: str) -> bool:
        """A pending delivery whose subscription is gone: failed, without an attempt, so nothing waits on it. Whether
        it was pending (False: settled already, by its subscription's removal or disabling, or never recorded)."""
        async with self.engine.begin() as connection:
            done = await connection.execute(update(deliveries).where(and_(
                deliveries.c.subscription_id == subscription_id, deliveries.c.event_id == event.message_id,
                deliveries.c.status == Status.PENDING.value,
            )).values(status=Status.FAILED.value, last_error=reason, updated_at=utcnow()))
        return bool(done.rowcount)  # type: ignore[attr-defined]

    async def settled(self, subscription_id: str, event: ReleaseEvent) -> bool:
        """Whether this delivery has an outcome already: a retry of it has nothing left to do. One never recorded is
        not (its retry decides)."""
        found = await self._get(subscription_id, event.message_id)
        return found is not None and found.status != Status.PENDING

    async def of_release(self, release_id: str) -> list[Record]:
        query = select(deliveries).where(deliveries.c.release_id == release_id).order_by(
            deliveries.c.subscription_id, deliveries.c.seq)
        async with self.engine.connect() as connection:
            return [_record(row._mapping) for row in (await connection.execute(query)).all()]

    async def _get(self, subscription_id: str, event_id: str) -> Record | None:
        query = select(deliveries).where(and_(deliveries.c.subscription_id == subscription_id,
                                              deliveries.c.event_id == event_id))
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return _record(row._mapping) if row is not None else None


def _record(row: Any) -> Record:
    return Record(**{**row, "status": Status(row["status"])})
