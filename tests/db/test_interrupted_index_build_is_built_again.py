"""A concurrent index build that was interrupted (its process killed, its statement cancelled) leaves an INVALID index
of that name, which PostgreSQL keeps updating on every write and never reads. The migration run again drops it and
builds the index anew: it neither fails on the name (a plain CREATE INDEX: "already exists") nor skips it as built
(IF NOT EXISTS), which would leave the delivery metrics reading the whole log for good.

The interruption is made here as PostgreSQL makes it: a concurrent build of that name that gives up while it waits
for an open write (lock_timeout), after its catalogue entry was committed.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
from services.shared.db.settings import DatabaseSettings
from tests.db.index_builds import BUILDS, IndexBuild, add_one, filled_before, index_state


@pytest.mark.parametrize("build", BUILDS, ids=str)
async def test_an_index_left_invalid_is_built_again(postgres_url: str, build: IndexBuild) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=postgres_url)  # type: ignore[call-arg]
    engine = open_engine(settings)
    try:
        await filled_before(engine, build)
        async with engine.connect() as holder, engine.connect() as builder:
            await add_one(holder, build, 0)  # an open write: the build waits for it, and gives up
            builder = await builder.execution_options(isolation_level="AUTOCOMMIT")
            await builder.execute(sa.text("SET lock_timeout = '50ms'"))
            column = {"greenlight_hook_claims": "key", "greenlight_approvals": "approver"}.get(build.table, "app")
            with pytest.raises(sa.exc.DBAPIError, match="lock timeout"):
                await builder.execute(sa.text(f"CREATE INDEX CONCURRENTLY {build.index} ON {build.table} ({column})"))
            await holder.commit()
        left = await index_state(engine, build.index)
        assert left is not None and not left[0], left  # what an interrupted build leaves
        await migrate(engine, build.revision)
        valid, definition = await index_state(engine, build.index) or (False, "none")
        assert valid and build.shows in definition, definition
    finally:
        await engine.dispose()
