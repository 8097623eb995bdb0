"""The notifier reads every subscription with its state in one statement per event: one connection, one
transaction, one snapshot. It used to take two (the environment's states, then the API's table), so a change
committed between them was half seen. What it reads is unchanged: the environment's first, each with its state, then
the API's in id order with theirs, an API id the environment holds left out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import BusSettings
from services.shared.subscription_states import SubscriptionStates
from services.shared.subscriptions import EnvironmentSubscription, SubscriptionSpec, SubscriptionTable
from tests.notifier.conftest import SECRET, records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver

pytestmark = pytest.mark.usefixtures("loopback_subscribers")


def spec(kind: type[SubscriptionSpec], sid: str, **extra: object) -> Any:
    return kind.model_validate({"id": sid, "url": f"https://{sid}.example.com/hook", "secret": SECRET, **extra})


@pytest.fixture
def counted() -> Iterator[Counter[str]]:
    """Connections checked out, transactions begun and statements run on any engine, and the statements that read
    a subscription table."""
    seen: Counter[str] = Counter()

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen["statements"] += 1
        seen["subscription reads"] += "greenlight_subscription" in sql and sql.lstrip().upper().startswith("SELECT")

    listeners = [("checkout", lambda *_: seen.update(["connections"])),
                 ("begin", lambda *_: seen.update(["transactions"])), ("before_cursor_execute", statement)]
    for name, listener in listeners:
        event.listen(Engine, name, listener)
    yield seen
    for name, listener in listeners:
        event.remove(Engine, name, listener)


async def stored(engine: AsyncEngine) -> list[EnvironmentSubscription]:
    """API subscriptions api-a, api-b (disabled) and shared; the environment's env-a (disabled), env-b (rotating) and
    shared, which shadows the API's."""
    for sid in ("api-b", "shared", "api-a"):
        await SubscriptionTable(engine).add(spec(SubscriptionSpec, sid))
    environment = [spec(EnvironmentSubscription, "env-a"),
                   spec(EnvironmentSubscription, "env-b", previous_secret="previous-secret-0123456789"),
                   spec(EnvironmentSubscription, "shared", apps=["demo"])]
    states = SubscriptionStates(engine)
    await states.hold_environment(environment)
    await states.disable("api-b", "HTTP 410 Gone")
    await states.disable("env-a", "HTTP 410 Gone")
    return environment


@pytest.mark.parametrize("any_database", ["sqlite", "postgres"], indirect=True)
async def test_one_connection_one_transaction_one_statement(any_database: str, counted: Counter[str]) -> None:
    engine = await open_migrated(DatabaseSettings())
    try:
        environment = await stored(engine)
        counted.clear()
        found = await SubscriptionStates(engine).current(environment)
        assert {k: counted[k] for k in ("connections", "transactions", "statements")} == \
            {"connections": 1, "transactions": 1, "statements": 1}
    finally:
        await engine.dispose()
    assert [(s.id, s.source, s.disabled_reason, s.apps) for s in found] == [
        ("env-a", "environment", "HTTP 410 Gone", ()), ("env-b", "environment", None, ()),
        ("shared", "environment", None, ("demo",)), ("api-a", "api", None, ()),
        ("api-b", "api", "HTTP 410 Gone", ())]
    assert [s.signing_secrets() for s in found][1] == (SECRET, "previous-secret-0123456789")
    assert [s.secret == SecretStr(SECRET) for s in found] == [True] * 5


async def test_each_event_reads_the_subscriptions_once(bus_settings: BusSettings, postgres_url: str,
                                                       receiver: Receiver, counted: Counter[str]) -> None:
    async with rig(bus_settings, postgres_url, receiver) as r:
        await subscribe(r, id="api-sub", url=r.receiver_url)
        for n, published in enumerate([*walk("r1", "demo"), *walk("r2", "demo")], start=1):
            counted.clear()
            await r.publish(published)
            await receiver.wait_for(2 * n)  # the environment's sub-0 and the API's api-sub
            assert counted["subscription reads"] == 1, f"event {n}: {counted}"
    assert {rec.subscription_id for rec in await records_of(postgres_url, "r2")} == {"sub-0", "api-sub"}
