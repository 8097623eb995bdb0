"""A database read of `/metrics` that PostgreSQL refuses (the API's role lost SELECT on a table) costs the scrape
those figures only, marked by `greenlight_metrics_read_failed{figures}` and logged once with its reason.

Before, a refused count of the releases table went up out of the metrics middleware: `/metrics` answered 500 and
Prometheus lost every series of the API, `greenlight_projector_leading` too (whose absence pages). A refused read of
the events (the delivery figures) left the scrape alone but logged a traceback at every scrape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval import metrics
from services.approval.settings import ApprovalSettings
from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import BusSettings
from tests.approval.conftest import api_client

LEFT_OUT = "figures left out of /metrics until their database read succeeds"
# The table whose SELECT is revoked -> the figures read from it, and the name their series start with.
FIGURES = {"releases": ("releases", "greenlight_releases"), "events": ("delivery", "greenlight_delivery_")}


@pytest.fixture
async def owner(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """The test's database, migrated by its owner (postgres)."""
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=postgres_url))  # type: ignore[call-arg]
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def role(owner: AsyncEngine, test_id: str) -> AsyncIterator[str]:
    """A login role of the test's own with every right on the tables, as a service's role has."""
    name = f"gltest_role_{test_id}"
    await run(owner, f'CREATE ROLE "{name}" LOGIN', f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{name}"',
              f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{name}"')
    yield name
    await run(owner, f'DROP OWNED BY "{name}"', f'DROP ROLE "{name}"')


async def run(engine: AsyncEngine, *statements: str) -> None:
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(sa.text(statement))


async def scrape(client: TestClient[web.Request, web.Application]) -> dict[tuple[str, str], float]:
    response = await client.get("/metrics")
    assert response.status == 200, await response.text()
    return {(sample.name, sample.labels.get("figures", "")): sample.value
            for family in text_string_to_metric_families(await response.text()) for sample in family.samples}


@pytest.mark.parametrize("table", list(FIGURES))
async def test_a_refused_read_leaves_out_its_figures_only(bus_settings: BusSettings, postgres_url: str,
                                                          owner: AsyncEngine, role: str, table: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "COUNT_EVERY", 0.0)  # every scrape counts: the grant given back shows at once
    figures, series = FIGURES[table]
    url = make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings,
                                database=DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    async with api_client(settings) as client:
        await run(owner, f'REVOKE SELECT ON {table} FROM "{role}"')
        with structlog.testing.capture_logs() as logs:
            refused = [await scrape(client) for _ in range(3)]
        for samples in refused:
            assert samples[("greenlight_projector_leading", "")] == 1.0
            assert samples[("greenlight_database_up", "")] == 1.0  # it answered: no outage
            assert not [name for name, _ in samples if name.startswith(series)], samples
            assert samples[("greenlight_metrics_read_failed", figures)] == 1.0
            assert sum(v for (name, _), v in samples.items() if name == "greenlight_metrics_read_failed") == 1.0
        # The policy's start-up re-arm reads the releases in the background and may meet the revoke too: not /metrics.
        told = [line for line in logs if line["log_level"] in ("error", "warning", "critical")
                and line["event"] != "re-arming the policy timers failed"]
        assert [(line["event"], line.get("figures")) for line in told] == [(LEFT_OUT, figures)], told
        assert f"permission denied for table {table}" in told[0]["reason"] and not told[0].get("exc_info")

        await run(owner, f'GRANT SELECT ON {table} TO "{role}"')
        with structlog.testing.capture_logs() as logs:
            samples = await scrape(client)
        assert [name for name, _ in samples if name.startswith(series)]
        assert samples[("greenlight_metrics_read_failed", figures)] == 0.0
        assert [line["event"] for line in logs if line.get("figures") == figures] == [
            "figures read again; back in /metrics"]
