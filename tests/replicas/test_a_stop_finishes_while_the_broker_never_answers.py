"""A partitioned worker's replica stopping while its broker never answers (the connection open, no byte back: a paused
node, a network dropping every packet) finishes within a bound: with a check under way, between checks, and handing
a partition over. Before, the stop waited for the check under way, then for each partition lock's deletion, and a
hand-over for its channel's close, until the heartbeats found the connection stuck (minutes at RabbitMQ's default
heartbeat; never without heartbeats)."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.shared.bus import Bus
from services.shared.claims import PartitionClaims
from services.shared.settings import BusSettings
from tests.notifier.test_a_rebinding_round_the_broker_never_answers_is_abandoned import Calls
from tests.replicas.claimers import Runs
from tests.tcp_proxy import proxied

WITHIN = 20.0  # a check begun on a loaded machine
# The stop's own bounds: the check's (5 s), the consumers' cancel, retry and channel closes (5 s each) beside the
# hand-overs' (the grace period, 5 s here, and 5 s), the locks' deletion (5 s), the control channel's close (5 s).
STOPPED_WITHIN = 60.0


@pytest.mark.parametrize("when", ["a check under way", "between checks", "handing a partition over"])
async def test_a_stop_finishes_while_the_broker_never_answers(
        partitioned_bus: BusSettings, monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    checks = Calls(monkeypatch, PartitionClaims, "check")
    interval = 0.1 if when == "a check under way" else 3600.0  # else only the start's check
    settings = partitioned_bus.model_copy(update={"partition_check_interval": interval})
    async with proxied(settings) as (proxy, via_proxy):
        bus = Bus(via_proxy, connection_name="gltest-stopping-frozen")
        await bus.connect()
        claims = PartitionClaims(bus, Runs().subscription("a"))
        try:
            await claims.start()
            assert claims.owned
            proxy.freeze()
            if when == "a check under way":  # one begun after the freeze, waiting for an answer
                frozen = checks.begun
                await checks.until(lambda: checks.begun > frozen, timeout=WITHIN)
            if when == "handing a partition over":
                await claims._release(next(iter(claims.owned)))
            began = time.monotonic()
            async with asyncio.timeout(STOPPED_WITHIN):
                await claims.stop(settings.grace_period)
            print(f"stopped in {time.monotonic() - began:.1f} s ({when})")  # the measure, seen with -s
            assert not claims.releasing
        finally:
            proxy.thaw()  # the connection closes at once
            await bus.close()
