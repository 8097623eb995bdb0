"""What the read model costs a process is counted where its SQLite transactions run (on the event loop and on the
database's threads) and shown on `/metrics`: the orchestration bench's "the database's transactions" figure and an
operator's view of it. PostgreSQL's transactions await the server, so timing them would count whatever else ran
meanwhile: they are left out."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import open_engine
from services.shared.db.metrics import TransactionCpuCollector
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from services.shared.db.threadcpu import SPENT
from services.shared.runtime import METRICS, service_app
from services.shared.settings import BusSettings

BURN = 0.03  # CPU seconds a transaction below spends


def burning(connection: sa.Connection) -> int:
    """A transaction that spends BURN seconds of this thread's CPU (a statement included)."""
    started = time.thread_time()
    while time.thread_time() - started < BURN:
        pass
    return int(connection.exec_driver_sql("SELECT 1").scalar_one())


@pytest.fixture
async def database(any_database: str) -> AsyncIterator[ReleaseDatabase]:
    engine: AsyncEngine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=any_database))  # type: ignore[call-arg]
    await migrate(engine)
    database = ReleaseDatabase(engine)
    yield database
    database.close()
    await engine.dispose()


def exported(registry: CollectorRegistry) -> dict[str, float]:
    return {f"{sample.name}{sample.labels}": sample.value
            for family in text_string_to_metric_families(generate_latest(registry).decode())
            for sample in family.samples}


async def test_transactions_on_the_loop_and_on_the_threads_are_counted(database: ReleaseDatabase) -> None:
    registry = CollectorRegistry()
    registry.register(TransactionCpuCollector())
    before = exported(registry)
    assert await database.writer.run(burning, small=True) == 1  # on the event loop's thread: the database is free
    assert await database.writer.run(burning) == 1  # on the writer's thread
    after = exported(registry)
    grew = {name: after[name] - before[name] for name in after}
    if database.engine.dialect.name == "sqlite":
        assert grew["greenlight_database_cpu_seconds_total{'thread': 'event_loop'}"] >= BURN
        assert grew["greenlight_database_cpu_seconds_total{'thread': 'database'}"] >= BURN
        assert grew["greenlight_database_transactions_total{}"] == 2
    else:
        assert set(grew.values()) == {0}, grew


def test_a_service_with_a_read_model_exports_the_figures(bus_settings: BusSettings, database_url: str) -> None:
    with_database = service_app("switcher", bus_settings,
                                database=DatabaseSettings(GREENLIGHT_DATABASE_URL=database_url))  # type: ignore[call-arg]
    without = service_app("builder", bus_settings)
    shown = exported(with_database[METRICS])
    # The process's own counter, shared by every app in the process (one process runs several in the tests).
    assert shown["greenlight_database_cpu_seconds_total{'thread': 'event_loop'}"] == SPENT.on_loop
    assert shown["greenlight_database_transactions_total{}"] == SPENT.transactions
    assert not any(name.startswith("greenlight_database_") for name in exported(without[METRICS]))
