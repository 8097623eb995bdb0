"""Project-wide fixtures: a real broker, isolated topology per test, and a leaked-task check."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest

from services.shared.settings import BusSettings
from tests.cleanup import drop_topology

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5672), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """AMQP_URL if set; else the local broker when it answers; else a testcontainers RabbitMQ."""
    if url := os.environ.get("AMQP_URL"):
        yield url
        return
    if _answers(DEFAULT_AMQP):
        yield DEFAULT_AMQP
        return
    try:
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-management") as rabbit:
            params = rabbit.get_connection_params()
            yield f"amqp://guest:guest@{params.host}:{params.port}/"
    except Exception as exc:
        pytest.fail(
            "No RabbitMQ: set AMQP_URL, start one with `rabbitmq-server -detached` "
            f"(or run ./scripts/test.sh, which does), or make a container engine reachable ({exc!r})"
        )


# Retry tiers short enough to see several retries in a second or two, and a budget of a few seconds: a test
# of a dependency that never comes back ends quickly. The fault tests (tests/faults/) set their own.
SHORT_RETRIES = {"retry_initial_delay": 0.2, "retry_max_delay": 0.8, "retry_budget": timedelta(seconds=4)}


@pytest.fixture
def test_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
async def bus_settings(amqp_url: str, test_id: str) -> AsyncIterator[BusSettings]:
    """Settings whose exchange, log, dead-letter and work queues are this test's alone."""
    prefix = f"gltest.{test_id}."
    settings = BusSettings(
        amqp_url=amqp_url,  # type: ignore[arg-type]
        exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx", dead_letter_queue=f"{prefix}dead",
        log_stream=f"{prefix}log", queue_prefix=prefix, publish_timeout=5.0, grace_period=5.0,
        **SHORT_RETRIES,  # type: ignore[arg-type]
    )
    yield settings
    await drop_topology(settings)


POSTGRES_ADMIN = os.environ.get("GREENLIGHT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test its own read model: a SQLite file in its tmp dir. Set in the environment, so settings made
    during the test and the service processes it starts (which inherit the environment) all use it."""
    url = f"sqlite+aiosqlite:///{tmp_path}/greenlight.db"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    return url


def psql(sql: str) -> None:
    # Sync on purpose (psql, not asyncpg): `any_database` picks this fixture at run time, which only a sync
    # fixture allows; CREATE/DROP DATABASE cannot run in a transaction anyway.
    done = subprocess.run(["psql", POSTGRES_ADMIN, "-v", "ON_ERROR_STOP=1", "-qc", sql],
                          capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN}: {done.stderr.strip()[:300]}: run ./scripts/setup.sh, "
                    "which starts it, or set GREENLIGHT_TEST_POSTGRES")


@pytest.fixture
def postgres_url(test_id: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh PostgreSQL database for this test (dropped after), also set as GREENLIGHT_DATABASE_URL."""
    name = f"gltest_{test_id}"
    psql(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://{urlparse(POSTGRES_ADMIN).netloc}/{name}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    yield url
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest, database_url: str) -> str:
    """The test runs twice: on SQLite and on PostgreSQL (the URL is also in GREENLIGHT_DATABASE_URL)."""
    return database_url if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


@pytest.fixture(autouse=True)
async def no_leaked_tasks() -> AsyncIterator[None]:
    """Fails a test that leaves asyncio tasks running after all its fixtures are torn down."""
    before = asyncio.all_tasks()
    yield
    current = asyncio.current_task()
    leaked = {t for t in asyncio.all_tasks() - before if t is not current and not t.done()}
    if leaked:
        # Closing connections finishes their tasks a few loop turns later: await them, bounded.
        _, still = await asyncio.wait(leaked, timeout=2.0)
        if still:
            names = sorted(getattr(t.get_coro(), "__qualname__", repr(t.get_coro())) for t in still)
            for task in still:
                task.cancel()
            pytest.fail(f"test leaked {len(still)} asyncio task(s): {names}")
