"""A broker created anew restores the events exchange while the projector already declares the release log again:
aio-pika marks the connection ready before its robust channels have declared their exchanges, so the projector's
first try declares the stream and then fails to bind it (NOT_FOUND). The next try must still bind it.

Before the fix the next try found the stream existing, consumed it and never bound it: every event was refused
as unroutable (NO_ROUTE) for good, and nothing more was projected (a clean-clone CI run,
test_log_stream_lost_with_a_broker_created_anew.py)."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from aio_pika.abc import AbstractRobustConnection

from services.shared.bus import Bus
from services.shared.db import log_consumer
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.topology import declare_topology
from tests.db.conftest import chain, projecting, publish_all, until_folded
from tests.db.log_probes import publish_retried
from tests.harness import connect_any, wait_for_state


class DeclareTries:
    """The projector's declarations of the log from now on, each told as it ends: refused, or declared and bound."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.refused: list[Exception] = []
        self.first_refused, self.bound = asyncio.Event(), asyncio.Event()
        declare = log_consumer.declare_log_stream

        async def told(connection: AbstractRobustConnection, settings: BusSettings) -> None:
            try:
                await declare(connection, settings)
            except Exception as exc:
                self.refused.append(exc)
                self.first_refused.set()
                raise
            self.bound.set()

        monkeypatch.setattr(log_consumer, "declare_log_stream", told)


async def test_the_stream_is_bound_once_the_exchange_is_declared_again(bus: Bus, database: ReleaseDatabase,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    settings = bus.settings
    async with projecting(bus, database) as projector:
        await publish_all(bus, chain("r1", app="r1"))
        await wait_for_state(database, "r1", S.AWAITING_APPROVAL)
        tries = DeclareTries(monkeypatch)
        connection = await connect_any(settings, "gltest-broker-anew")
        async with connection:
            channel = await connection.channel()
            # The broker's data gone, the exchange not declared again yet (its robust channel restores it later).
            await channel.exchange_delete(settings.exchange)
            await channel.queue_delete(settings.log_stream)
            await asyncio.wait_for(tries.first_refused.wait(), 15)
            assert isinstance(tries.refused[0], aio_pika.exceptions.ChannelNotFoundEntity), tries.refused
            await declare_topology(await connection.channel(), settings)  # what the bus's robust channel restores
        await asyncio.wait_for(tries.bound.wait(), 15)
        await publish_retried(bus, chain("r2", app="r2"))
        await wait_for_state(database, "r2", S.AWAITING_APPROVAL, timeout=15)
        await until_folded(projector, 14)
        assert projector.folded.new == 14
