"""An error's message lists the statement's parameters unless the engine hides them, and it is logged with its
traceback: a subscription's secret (or a rotated one) in a statement that failed was printed in clear."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.writer import Writer

SECRET = "s3cret-that-must-never-be-logged"
FAILING = sa.text("INSERT INTO no_such_table (secret) VALUES (:secret)")


async def test_the_engine_hides_a_failed_statements_parameters(engine: AsyncEngine) -> None:
    with pytest.raises(sa.exc.DBAPIError) as failed:
        async with engine.begin() as connection:
            await connection.execute(FAILING, {"secret": SECRET})
    assert "no_such_table" in str(failed.value)  # the statement is still named
    assert SECRET not in str(failed.value)


async def test_the_writer_threads_hide_them_too(engine: AsyncEngine) -> None:
    writer = Writer(engine)  # on SQLite its own engine over the stdlib driver, run on its threads
    try:
        with pytest.raises(sa.exc.DBAPIError) as failed:
            await writer.run(lambda connection: connection.execute(FAILING, {"secret": SECRET}))
    finally:
        writer.close()
    assert "no_such_table" in str(failed.value)
    assert SECRET not in str(failed.value)
