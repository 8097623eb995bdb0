"""A re-binding round whose broker calls get no answer (a network dropping every packet, the connection not yet found
stuck) is waited for until GREENLIGHT_NOTIFIER_REBIND_TIMEOUT, with one warning line, and the next interval's round
runs: the replica is still seen; its binding is left to end (not cut off: the broker may close the whole connection
then), and no other starts meanwhile; once the broker answers again, rounds bind again. Before, the round waited
until the heartbeats found the connection stuck (three of them: 3 min at RabbitMQ's default, never without
heartbeats), and no other round ran meanwhile: the replica, unseen, was taken for gone by the others. Likewise a
round waiting on a database lock: it waited up to the statement timeout (30 s) at each of its statements."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping
from typing import Any

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import services.notifier.app as notifier_app
from services.notifier.app import create_app
from services.notifier.configurations import Configurations, configurations
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import rig
from tests.notifier.receiver import Receiver
from tests.tcp_proxy import proxied

BOUND = 0.5  # seconds a round may take


class Calls:
    """The calls of `owner.name` (a coroutine function) the notifier makes: begun, and ended."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.begun = self.ended = 0
        self.changed = asyncio.Condition()
        call = getattr(owner, name)

        async def counted(*args: Any) -> Any:
            await self._count("begun")
            result = await call(*args)
            await self._count("ended")
            return result

        monkeypatch.setattr(owner, name, counted)

    async def _count(self, which: str) -> None:
        setattr(self, which, getattr(self, which) + 1)
        async with self.changed:
            self.changed.notify_all()

    async def until(self, holds: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(holds)


def abandoned(logs: list[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    lines = [line for line in logs if "GREENLIGHT_NOTIFIER_REBIND_TIMEOUT" in line["event"]]
    assert lines and {(line["log_level"], line["timeout"]) for line in lines} == {("warning", BOUND)}, logs
    return lines


async def test_rounds_go_on_while_the_broker_does_not_answer_a_binding(
        bus_settings: BusSettings, database_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    binds = Calls(monkeypatch, notifier_app, "bind_subscriptions")  # a round's last step, and the start's
    looks = Calls(monkeypatch, Configurations, "newest")  # a round's first step, and the start's
    async with rig(bus_settings, database_url, receiver, notifier=False) as r, \
            proxied(bus_settings) as (proxy, via_proxy):
        settings = r.settings.model_copy(update={"bus": via_proxy, "rebind_interval": 0.2, "rebind_timeout": BOUND})
        with structlog.testing.capture_logs() as logs:
            async with serving(create_app(settings), port=0):
                await binds.until(lambda: binds.ended >= 2, timeout=10)  # the start's, and a round's
                proxy.freeze()
                frozen, seen = binds.begun, looks.begun
                try:
                    # The binding under way (or the next) gets no answer; the rounds go on, the replica seen.
                    await looks.until(lambda: looks.begun >= seen + 4, timeout=20 * BOUND)
                    begun = binds.begun
                finally:
                    proxy.thaw()
                # Left to end, not cut off (the broker may close the whole connection then), and none piled on it.
                assert begun <= frozen + 1
                await binds.until(lambda: binds.ended > begun, timeout=10)  # the broker back: rounds bind again
    assert {line["waiting_on"] for line in abandoned(logs)} >= {"the broker"}


async def test_a_round_stuck_on_a_database_lock_is_abandoned_and_the_next_one_runs(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    looks = Calls(monkeypatch, Configurations, "newest")  # a round's first step, and the start's
    async with rig(bus_settings, postgres_url, receiver, notifier=False) as r:
        settings = r.settings.model_copy(update={"rebind_interval": 0.2, "rebind_timeout": BOUND})
        with structlog.testing.capture_logs() as logs:
            async with serving(create_app(settings), port=0):
                await looks.until(lambda: looks.ended >= 2, timeout=10)
                engine = create_async_engine(postgres_url)
                try:
                    async with engine.begin() as connection:  # a migration's, an operator's: held for a while
                        await connection.execute(text(f"LOCK TABLE {configurations.name} IN ACCESS EXCLUSIVE MODE"))
                        locked = looks.begun
                        # The round under way (or the next) waits on the lock; a round after it begins all the same.
                        await looks.until(lambda: looks.begun >= locked + 2, timeout=10 * BOUND)
                finally:
                    await engine.dispose()
                ended = looks.ended
                await looks.until(lambda: looks.ended > ended, timeout=10)  # the lock let go: a round writes
    # At least one on the database; a busy machine's broker can hold a round past its 0.5 s too (a clean-clone run).
    assert {line["waiting_on"] for line in abandoned(logs)} >= {"the database"}
