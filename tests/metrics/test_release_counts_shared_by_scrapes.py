"""`greenlight_releases{state}` is counted in the database at most once every `COUNT_EVERY` seconds.

`/metrics` needs no token, and every request to it counted every release in the database by state: a scan of the
whole releases table (50 ms at 500,000 releases on SQLite), so anyone who could reach the API could keep its
database busy by asking for `/metrics` in a loop, and two Prometheus servers counted twice. Scrapes within
`COUNT_EVERY` (5 s: well inside any scrape interval) now share one count.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval import metrics
from services.shared.db.releases import ReleaseDatabase


async def test_scrapes_in_a_row_count_once(client: TestClient[web.Request, web.Application],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    counts: list[int] = []
    real = ReleaseDatabase.count_by_state

    async def counted(self: ReleaseDatabase, *args: Any) -> dict[str, int]:
        counts.append(1)
        return await real(self, *args)

    monkeypatch.setattr(ReleaseDatabase, "count_by_state", counted)
    monkeypatch.setattr(metrics, "COUNT_EVERY", 3600.0, raising=False)  # however slow this machine is
    texts = [await (await client.get("/metrics")).text() for _ in range(10)]
    assert len(counts) == 1, f"{len(counts)} counts for 10 scrapes"
    assert all('greenlight_releases{state="live"} 0.0' in text and "greenlight_database_up 1.0" in text
               for text in texts)
