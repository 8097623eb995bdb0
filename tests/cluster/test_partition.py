"""A network partition cuts off one node (the one leading the work queues, which every client connected to
first): the majority goes on, the cut node pauses (pause_minority), and after the link heals it rejoins with
every event of the log; no release or event is lost."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aio_pika
import pytest

from services.shared.events import ReleaseEvent
from services.shared.releaselog import consume_stream
from services.shared.settings import BusSettings
from tests.cluster.bed import ClusterBed
from tests.cluster.checks import assert_all_ended, assert_database_matches_log, wave
from tests.cluster.conftest import CLIENT_QUERY
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.stack import Driver, in_process_stack
from tests.harness import observer
from tests.noop.ledger import Ledger

# Slow by nature (a node stops and boots again); on a loaded 2-core box several minutes.
pytestmark = pytest.mark.timeout(600)
APPS = 4


async def read_log(url: str, stream: str, wanted: set[tuple[str, int]], timeout: float = 30,
                   ) -> set[tuple[str, int]]:
    """(release, seq) of the events in the release log, read from its start through one node only, until
    all of `wanted` are seen or `timeout` passes."""
    seen: set[tuple[str, int]] = set()
    complete = asyncio.Event()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        await message.ack()  # a stream's ack is credit only
        with contextlib.suppress(ValueError):  # a reader's catch-up marker is no event
            event = ReleaseEvent.model_validate_json(message.body)
            seen.add((event.release_id, event.seq))
        if wanted <= seen:
            complete.set()

    # A callback consumer, not an iterator: leaving an iterator nacks what it buffered, which a stream refuses.
    connection = await aio_pika.connect(url, client_properties={"connection_name": "gltest-log-reader"})
    async with connection:
        async def open_channel() -> aio_pika.abc.AbstractChannel:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=200)
            return channel

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                # The node may be back before its member of the stream is: consume_stream waits for it.
                await consume_stream(open_channel, stream, on_message, {"x-stream-offset": "first"})
                await complete.wait()
    return seen


async def test_partitioned_node_heals_without_loss(cluster: ClusterBed, cluster_bus: BusSettings,
                                                   tmp_path: Path) -> None:
    bus = cluster_bus
    ledger = Ledger(str(tmp_path / "ledger.sqlite"))
    async with observer(bus) as store, in_process_stack(bus, ledger) as api:
        driver = Driver(api, store, patience=150)
        releases = await wave(driver, "part", 1, APPS)
        # The bed's calls run programs: in a thread, or the event loop (and the clients' heartbeats) would stop.
        cut = await asyncio.to_thread(cluster.leader_of, bus.queue_prefix + "builder")
        others = [node for node in cluster.nodes if node is not cut]
        cluster.partition(cut.name)
        try:
            # The cut node pauses itself (pause_minority); the majority sees it go and carries on without it.
            await asyncio.to_thread(cluster.await_paused, cut.name)
            await asyncio.to_thread(cluster.await_members, 2, others[0].name)
            releases += await wave(driver, "part", 2, APPS)
            now = await asyncio.to_thread(cluster.leader_of, bus.queue_prefix + "builder", others[0].name)
            assert now.name != cut.name
        finally:
            cluster.heal(cut.name)
        # Rejoining is RabbitMQ's part; what is asserted is ours: nothing lost either way.
        await asyncio.to_thread(cluster.rejoin, cut.name)
        releases += await wave(driver, "part", 3, APPS)

        assert_all_ended(releases)
        assert [r.state.value for r in releases] == ["live"] * len(releases), \
            [(r.app, r.error) for r in releases if r.state.value != "live"]
        assert_each_effect_once(ledger, releases)
        await assert_database_matches_log(store)
        logged = {(e.event.release_id, e.event.seq) for e in store.log}
        # The healed node's replica of the log has every event, including those written while it was cut off.
        healed = await read_log(cut.url + CLIENT_QUERY, bus.log_stream, logged)
        assert logged <= healed, f"the healed node lacks {sorted(logged - healed)[:5]}"
    ledger.close()
