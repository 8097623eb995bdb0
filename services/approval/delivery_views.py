"""DORA's four keys over the release log: `GET /metrics/delivery` and Prometheus gauges on `/metrics`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Gauge
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from services.approval.delivery_readings import DEFAULT_WINDOW, READINGS, DeliveryReadings, of_app
from services.approval.delivery_readings import delivery_report as delivery_report  # bench/delivery_bench.py's
from services.approval.delivery_reads import MAX_RELEASES
from services.approval.failed_reads import failed_reads
from services.approval.models import in_utc
from services.approval.params import Params
from services.approval.routing import Call, reply
from services.shared.db.outage import is_outage
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE
from services.shared.dora import DEFAULT_FAILURE_WINDOW, Keys
from services.shared.release import AppName, utcnow

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
        None, description="window start, ISO 8601 (UTC if no offset); default 30 days ago (that answer is "
                     "shared by every caller and read at most once a minute)")


class KeysOut(BaseModel):
    deployments: int = Field(description="releases that first served users (verifying or live) in the window")
    deployment_frequency_per_day: float
    lead_time_seconds: float | None = Field(description="median commit (committer date) -> first deployment")
    lead_time_samples: int = Field(description="deployments that first deployed their commit, its time known")
    failed_changes: int = Field(description="deployments that needed remediation within the failure window: rolled "
                                            "back, or replaced by a rollback to an earlier release (held or not)")
    change_failure_rate: float | None
    time_to_restore_seconds: float | None = Field(description="median live -> the first remediation that held, of "
                                                              "failed changes restored so far")

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


async def delivery_metrics(call: Call[DeliveryQuery, None]) -> web.StreamResponse:
    database, readings = call.request.app[DATABASE], call.request.app[READINGS]
    if call.params.since is None:  # the last 30 days: every viewer's, shared (delivery_readings.py)
        found = await readings.recent(database)
        if call.params.app is not None and found.since == found.until - DEFAULT_WINDOW:
            found = of_app(found, call.params.app)
        elif call.params.app is not None:  # cut short by its other apps' releases: the app's own 30 days
            found = await readings.window(database, found.until - DEFAULT_WINDOW, found.until, call.params.app)
    else:
        # A window that starts in the future is empty, not an error: no schema can say "in the past", and a
        # request the OpenAPI document calls valid is answered (schemathesis: positive data acceptance).
        until = utcnow()
        found = await readings.window(database, min(call.params.since, until), until, call.params.app)
    return reply(DeliveryOut(
        since=found.since, until=found.until, failure_window_days=DEFAULT_FAILURE_WINDOW.total_seconds() / 86400,
        definitions=DEFINITIONS, overall=KeysOut.of(found.overall),
        apps={app: KeysOut.of(keys) for app, keys in found.apps.items()},
    ))


GAUGES = (("deployments", "deployments in the last 30 days"),
          ("deployment_frequency_per_day", "deployments per day over the last 30 days"),
          ("lead_time_seconds", "median commit -> live, last 30 days"),
          ("change_failure_rate", "share of deployments that needed remediation (a rollback), last 30 days"),
          ("time_to_restore_seconds", "median live -> the remediation that held, of failed changes, last 30 days"))


def delivery_gauges(registry: CollectorRegistry, readings: DeliveryReadings) -> Middleware:
    """Gauges per app (and app="" overall) over the last 30 days, from the report `readings` reads from the database
    when `/metrics` is read, at most once a minute: nothing runs between scrapes, and the scrapes of several
    Prometheus servers (and the dashboards) share one reading."""
    gauges = {name: Gauge(f"greenlight_delivery_{name}", text, ["app"], registry=registry) for name, text in GAUGES}
    failures = failed_reads(registry)

    async def compute(database: ReleaseDatabase) -> None:
        try:
            found = await readings.recent(database)
        except Exception as exc:
            if is_outage(exc):
                return  # the last values stay; greenlight_database_up says why
            # A fault in these figures must not fail the scrape: every other series would go missing with
            # them, and the read model's alerts page on a missing `greenlight_projector_leading`.
            failures.failed("delivery", exc)
            for gauge in gauges.values():
                gauge.clear()  # no figures rather than stale ones
            return
        failures.read("delivery")
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
