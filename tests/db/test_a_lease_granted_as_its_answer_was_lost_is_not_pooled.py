"""PostgreSQL granted the projector's lease, but its answer did not reach the process in time (asyncpg's command
timeout, a start-up's deadline): the connection went back to the pool still holding the session's advisory lock, so
no other process could lead until this one happened to check that connection out again. It is discarded, as a
candidacy's is, and the lease is free at once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from services.shared.db import lease as lease_module
from services.shared.db.engine import open_engine
from services.shared.db.lease import ProjectorLease
from services.shared.db.settings import DatabaseSettings


async def test_a_lease_whose_answer_was_lost_is_not_left_in_the_pool(postgres_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=postgres_url)  # type: ignore[call-arg]
    first, second = open_engine(settings), open_engine(settings)
    granted = lease_module.lock_query

    async def answer_lost(connection: AsyncConnection, sql: str, key: int) -> bool:
        await granted(connection, sql, key)  # the server took the lock
        raise TimeoutError("its answer did not come in time")

    try:
        monkeypatch.setattr(lease_module, "lock_query", answer_lost)
        with pytest.raises(TimeoutError):
            await ProjectorLease(first, "lost-answer").try_acquire()
        monkeypatch.setattr(lease_module, "lock_query", granted)
        other = ProjectorLease(second, "lost-answer")
        assert await other.try_acquire(), "the lock stayed with a pooled connection of the first process"
        await other.release()
    finally:
        await asyncio.gather(first.dispose(), second.dispose())
