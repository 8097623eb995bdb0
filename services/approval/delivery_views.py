"""DORA's four keys over the release log: `GET /metrics/delivery` and Prometheus gauges on `/metrics`."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Gauge
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from services.approval.delivery_reads import MAX_RELEASES, window_summaries
from services.approval.models import Params, in_utc
from services.approval.routing import Call, reply
from services.shared.db.outage import is_outage
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE
from services.shared.dora import DEFAULT_FAILURE_WINDOW, DeliveryReport, Keys, report
from services.shared.release import AppName, utcnow

DEFAULT_WINDOW = timedelta(days=30)
# 30 days' figures move little in a minute, and a window of thousands of releases takes a second or more to read.
GAUGES_EVERY = 60.0
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]|$)")
DEFINITIONS = "https://dora.dev/guides/dora-metrics-four-keys/"


def _iso_only(value: object) -> object:
    # pydantic would also take a number as a unix time; the documented format is ISO 8601 only.
    if isinstance(value, str) and not ISO_DATE.match(value):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z")
    return value


class DeliveryQuery(Params):
    app: AppName | None = Field(None, description="only this app; default every app")
    # Converted here, so that a time with no UTC equivalent is refused as the input error it is.
    since: Annotated[Annotated[datetime, AfterValidator(in_utc)] | None, BeforeValidator(_iso_only)] = Field(
        None, description="window start, ISO 8601 (UTC if no offset); default 30 days ago")


class KeysOut(BaseModel):
    deployments: int = Field(description="releases that first served users (verifying or live) in the window")
    deployment_frequency_per_day: float
    lead_time_seconds: float | None = Field(description="median commit (committer date) -> first deployment")
    lead_time_samples: int = Field(description="deployments that first deployed their commit, its time known")
    failed_changes: int = Field(description="deployments rolled back within the failure window")
    change_failure_rate: float | None
    time_to_restore_seconds: float | None = Field(description="median live -> rolled back, of failed changes")

    @classmethod
    def of(cls, keys: Keys) -> KeysOut:
        return cls.model_validate(keys, from_attributes=True)


class DeliveryOut(BaseModel):
    since: datetime = Field(description=f"the window's start: the one asked for, or later when more than "
                                        f"{MAX_RELEASES} releases went live since then (the latest ones are read)")
    until: datetime
    failure_window_days: float
    definitions: str = Field(description="where the definitions come from")
    overall: KeysOut
    apps: dict[str, KeysOut]


async def delivery_report(database: ReleaseDatabase, since: datetime, until: datetime, app: str | None = None,
                          ) -> DeliveryReport:
    start, summaries, live_before = await window_summaries(database, since, app)
    return report(summaries, min(start, until), until, DEFAULT_FAILURE_WINDOW, live_before)


async def delivery_metrics(call: Call[DeliveryQuery, None]) -> web.StreamResponse:
    until = utcnow()
    since = call.params.since or until - DEFAULT_WINDOW
    # A window that starts in the future is empty, not an error: no schema can say "in the past", and a
    # request the OpenAPI document calls valid is answered (schemathesis: positive data acceptance).
    since = min(since, until)
    found = await delivery_report(call.request.app[DATABASE], since, until, call.params.app)
    return reply(DeliveryOut(
        since=found.since, until=until, failure_window_days=DEFAULT_FAILURE_WINDOW.total_seconds() / 86400,
        definitions=DEFINITIONS, overall=KeysOut.of(found.overall),
        apps={app: KeysOut.of(keys) for app, keys in found.apps.items()},
    ))


GAUGES = (("deployments", "deployments in the last 30 days"),
          ("deployment_frequency_per_day", "deployments per day over the last 30 days"),
          ("lead_time_seconds", "median commit -> live, last 30 days"),
          ("change_failure_rate", "share of deployments rolled back, last 30 days"),
          ("time_to_restore_seconds", "median live -> rolled back of failed changes, last 30 days"))


def delivery_gauges(registry: CollectorRegistry, every: float = GAUGES_EVERY,
                    clock: Callable[[], float] = time.monotonic) -> Middleware:
    """Gauges per app (and app="" overall) over the last 30 days, computed from the database when `/metrics` is
    read, at most once every `every` seconds: nothing runs between scrapes, and the scrapes of several
    Prometheus servers share one computation."""
    gauges = {name: Gauge(f"greenlight_delivery_{name}", text, ["app"], registry=registry) for name, text in GAUGES}
    computing = asyncio.Lock()
    computed_at: float | None = None

    async def compute(database: ReleaseDatabase) -> None:
        nonlocal computed_at
        async with computing:  # one at a time: a scrape that waited finds the gauges fresh
            if computed_at is not None and clock() - computed_at < every:
                return
            until = utcnow()
            try:
                found = await delivery_report(database, until - DEFAULT_WINDOW, until)
            except Exception as exc:
                if not is_outage(exc):
                    raise
                return  # the last values stay; greenlight_database_up says why
            computed_at = clock()
            for name, gauge in gauges.items():
                gauge.clear()
                for app, keys in (("", found.overall), *found.apps.items()):
                    if (value := getattr(keys, name)) is not None:
                        gauge.labels(app).set(float(value))

    @web.middleware
    async def refresh(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/metrics" and DATABASE in request.app:
            await compute(request.app[DATABASE])
        return await handler(request)

    return refresh
