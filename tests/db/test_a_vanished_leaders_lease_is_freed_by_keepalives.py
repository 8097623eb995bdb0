"""A leader whose host vanishes (power lost, cut off: no FIN, no RST) held the projector's lease on PostgreSQL for as
long as the server kept its backend: with the kernel's keepalive defaults, 2 h 11 min without a projection, while
every standby asked for the lease each second. Each session now has the server's keepalives on
(GREENLIGHT_DATABASE_KEEPALIVE_SECONDS), so the server ends a silent client's backend, and its lock, within about
2.5 times that. The vanishing is real: every packet between the server and the leader's connection is dropped
(iptables on the loopback), as a dead host's are."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import discard, open_engine
from services.shared.db.lease import ProjectorLease
from services.shared.db.lease_locks import lease_key
from services.shared.db.settings import DatabaseSettings
from tests.db.leaders import backend_of

KEEPALIVE = 1  # seconds: the server gives up on a silent client after about 1 + 3 x 1 s


@contextlib.contextmanager
def dropped(client_port: int, server_port: int) -> Iterator[None]:
    """Every packet between the server and one client socket dropped, both ways, until the block ends."""
    rules = [["INPUT", "-i", "lo", "-p", "tcp", "--sport", str(server_port), "--dport", str(client_port), "-j", "DROP"],
             ["INPUT", "-i", "lo", "-p", "tcp", "--sport", str(client_port), "--dport", str(server_port), "-j", "DROP"]]
    added = []
    try:
        for rule in rules:
            subprocess.run(["iptables", "-w", "-I", *rule], check=True, capture_output=True, timeout=30)
            added.append(rule)
        yield
    finally:
        for rule in added:
            subprocess.run(["iptables", "-w", "-D", *rule], check=False, capture_output=True, timeout=30)


async def peer_of(engine: AsyncEngine, pid: int) -> int:
    async with engine.connect() as connection:
        port = (await connection.execute(sa.text("SELECT client_port FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": pid})).scalar_one()
    assert isinstance(port, int) and port > 0, f"the lease's session is no TCP connection ({port!r})"
    return port


async def test_a_silent_leaders_lease_is_taken_over_within_the_keepalive(postgres_url: str) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=postgres_url, keepalive_seconds=KEEPALIVE)  # type: ignore[call-arg]
    vanishing, standing_by = open_engine(settings), open_engine(settings)
    leader, standby = ProjectorLease(vanishing, "vanishing-log"), ProjectorLease(standing_by, "vanishing-log")
    try:
        assert await leader.try_acquire()
        assert not await standby.try_acquire()
        held = leader._connection
        server_port = vanishing.url.port or 5432
        with dropped(await peer_of(standing_by, await backend_of(held)), server_port):
            started = asyncio.get_running_loop().time()
            key = {"key": lease_key("vanishing-log")}
            # Queued for the lock in the server, granted the moment it ends the silent backend: 30 s at most, where
            # the kernel's own keepalive would take 7,200 s and more.
            async with standing_by.connect() as waiter, asyncio.timeout(30):
                await waiter.execute(sa.text("SELECT pg_advisory_lock(:key)"), key)
                took = asyncio.get_running_loop().time() - started
                await waiter.execute(sa.text("SELECT pg_advisory_unlock(:key)"), key)
            print(f"lease freed {took:.1f} s after its holder went silent")
            assert took < 2.5 * KEEPALIVE + 8, took
            assert await standby.try_acquire()
            leader._connection = None  # its socket is dead: discarded below, not released through it
            async with asyncio.timeout(10):
                await discard(held)
    finally:
        await standby.release()
        await asyncio.gather(vanishing.dispose(), standing_by.dispose())
