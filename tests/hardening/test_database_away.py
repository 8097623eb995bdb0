"""PostgreSQL away for 20 seconds with releases in flight at different steps, one of them switching: none lost,
nothing twice, nothing dead-lettered, the API answering 503 with Retry-After meanwhile (not 500) and staying
ready, SSE clients ending with every event once and in order, and the read model equal to the log afterwards.

The services reach PostgreSQL through a proxy the test takes away, as a stopped server: open connections reset,
new ones refused. The workers before the gate touch no database; the API (records, gate, reads, the projector,
the SSE feed) and the switcher (its reads, its record after `live`) do.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from urllib.parse import urlparse

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.store import ReleaseStore
from tests.cluster.checks import assert_database_matches_log
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.sse_client import Client, reached, reading
from tests.hardening.stack import DONE, REPOSITORY, REQUESTER, Driver, in_process_stack
from tests.harness import dlq_depth, httpx_client, observer
from tests.noop.ledger import DELAY_ENV, Ledger
from tests.tcp_proxy import TcpProxy

RELEASES = 16
OUTAGE = 20.0  # seconds: the fault's length, not a wait for something to happen
STEP = 0.6  # seconds each no-op step takes, so the outage finds the switcher mid-switch


async def spread_with_one_switching(store: ReleaseStore, apps: set[str]) -> Counter[str]:
    """The census of the releases in flight at the first moment one of them is switching (its `live` and the
    switcher's record of it come a step later) and the others stand at two steps or more."""
    census: Counter[str] = Counter()
    follow = store.follow(-1, lambda e: e.app in apps)
    try:
        async with asyncio.timeout(60):
            async for _ in follow:
                census = Counter(r.state.value for r in store.releases.values() if r.app in apps
                                 and r.state not in DONE)
                if census[S.SWITCHING.value] >= 1 and len(census) >= 3:
                    return census
    except TimeoutError:
        raise AssertionError(f"no moment with one release switching and the rest spread: last {census}") from None
    finally:
        await follow.aclose()
    raise AssertionError("the log ended")


async def test_database_away_for_20_seconds(bus_settings: BusSettings, postgres_url: str, ledger: Ledger,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # The outage must fit in the retry budget, as it does in the default (5 minutes); the tests' is 4 s.
    bus = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=OUTAGE * 3)})
    database = urlparse(postgres_url)
    proxy = TcpProxy(database.hostname or "127.0.0.1", database.port or 5432)
    await proxy.start()
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", postgres_url.replace(
        database.netloc, f"{database.username}@127.0.0.1:{proxy.port}"))
    monkeypatch.setenv(DELAY_ENV, str(STEP))
    apps = {f"db-{n}" for n in range(RELEASES)}
    progress = asyncio.Condition()
    try:
        async with observer(bus) as store, in_process_stack(bus, ledger) as api:
            driver = Driver(api, store, patience=OUTAGE * 4)
            clients = [Client(api, progress, after=-1) for _ in range(2)]
            async with reading(clients):

                async def ship(n: int) -> object:
                    await asyncio.sleep(n * 0.4)  # staggered, so the outage finds them at different steps
                    return await driver.ship(f"db-{n}")

                shipping = [asyncio.create_task(ship(n), name=f"db-{n}") for n in range(RELEASES)]
                census = await spread_with_one_switching(store, apps)
                started = time.perf_counter()
                await proxy.away()
                async with httpx_client(api, REQUESTER) as client:
                    refused = [await client.post("/releases", json={"app": "db-probe", "repository": REPOSITORY,
                                                                    "commit": "main"}),
                               await client.get("/releases", params={"app": "db-0"})]
                    scraped_away = await client.get("/metrics")
                    ready_away = await client.get("/readyz")
                await asyncio.sleep(OUTAGE - (time.perf_counter() - started))
                await proxy.back()
                releases = await asyncio.wait_for(asyncio.gather(*shipping), OUTAGE * 6)
                recovered = time.perf_counter() - started
                await assert_database_matches_log(store)
                dead = await dlq_depth(bus)  # an outage is waited out: no message given up on
                target = sorted(logged.offset for logged in store.log)
                await reached(clients, progress, target[-1])
                async with httpx_client(api) as client:
                    scraped_back = await client.get("/metrics")
    finally:
        await proxy.stop()
    for response in refused:
        assert response.status_code == 503, response.text
        assert response.headers.get("Retry-After"), response.headers
        assert "database" in response.json()["error"], response.text
    # The API's metrics still answer in an outage (the request series matter most then), and say it.
    assert scraped_away.status_code == 200 and "greenlight_database_up 0.0" in scraped_away.text
    assert "greenlight_database_up 1.0" in scraped_back.text
    # Still ready: the database is every replica's, so a readiness that followed it would empty the Service at
    # once, and clients would meet refused connections instead of a 503 saying why and when to come back.
    assert ready_away.status_code == 200, ready_away.text
    finals = Counter(r.state.value for r in releases)  # type: ignore[attr-defined]
    assert finals == {"live": RELEASES}, [(r.app, r.state, r.error) for r in releases]  # type: ignore[attr-defined]
    counts = assert_each_effect_once(ledger, releases)  # type: ignore[arg-type]
    assert dead == 0, f"{dead} messages dead-lettered"
    for client in clients:
        assert client.ids == target, "an SSE client saw a gap, a duplicate or a reordering"
    print(f"\nPostgreSQL away {OUTAGE:.0f}s with {RELEASES} in flight {dict(census)}; all live "
          f"{recovered:.1f}s after it went; effects {dict(counts)}; API retries {driver.retries}; SSE clients "
          f"{len(target)} events each, reconnects {[c.reconnects for c in clients]}")
