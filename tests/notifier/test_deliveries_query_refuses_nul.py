"""The notifier's GET /deliveries?release= with a NUL in the id (a URL can carry %00, PostgreSQL's text
cannot) is an input error, 422 with the field named, not a 500 from the database."""

from __future__ import annotations

import aiohttp

from services.shared.settings import BusSettings
from tests.notifier.conftest import rig
from tests.notifier.receiver import Receiver


async def test_a_nul_in_the_release_query_is_422(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    async with rig(bus_settings, postgres_url, receiver) as r, aiohttp.ClientSession() as session:
        timeout = aiohttp.ClientTimeout(total=10)
        async with session.get(f"{r.url}/deliveries?release=r1%00x", timeout=timeout) as response:
            refused = (response.status, await response.json())
        async with session.get(f"{r.url}/deliveries?release=r1", timeout=timeout) as response:
            plain = (response.status, await response.json())
    assert refused[0] == 422, refused
    assert refused[1]["fields"][0]["loc"] == ["query", "release"] and "NUL" in refused[1]["error"], refused
    assert plain == (200, [])
