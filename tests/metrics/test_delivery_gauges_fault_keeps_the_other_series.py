"""A fault computing the delivery gauges costs `/metrics` those gauges only, not the scrape.

The gauges are computed inside the `/metrics` request, and anything but a database outage went up as a 500: one
event with a time without offset did it for 30 days (test_event_time_without_offset_is_read_as_utc.py). The scrape
then failed whole, so every series of the API went missing, `greenlight_projector_leading` too, and the read model's
critical alert (`absent(greenlight_projector_leading)`) paged "nobody projects the log" for a fault in figures
nobody is paged for. Now the fault is logged, the delivery gauges are left out (no stale figures) and the rest is
scraped.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.approval import delivery_readings


async def test_a_fault_in_the_delivery_figures_leaves_the_rest_of_the_scrape(
        client: TestClient[web.Request, web.Application], monkeypatch: pytest.MonkeyPatch) -> None:
    async def faulty(*_: Any) -> None:
        raise ValueError("a fault in the figures")

    monkeypatch.setattr(delivery_readings, "delivery_report", faulty)
    response = await client.get("/metrics")
    assert response.status == 200, await response.text()
    samples = {sample.name: sample.value for family in text_string_to_metric_families(await response.text())
               for sample in family.samples}
    assert samples["greenlight_projector_leading"] == 1.0 and samples["greenlight_database_up"] == 1.0
    assert not [name for name in samples if name.startswith("greenlight_delivery_")]
