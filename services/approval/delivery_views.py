"""DORA's four keys over the release log: `GET /metrics/delivery` and Prometheus gauges on `/metrics`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

import sqlalchemy as sa
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Gauge
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from services.approval.models import Params, in_utc
from services.approval.routing import Call, reply
from services.shared.db.outage import is_outage
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE
from services.shared.db.schema import events
from services.shared.dora import DEFAULT_FAILURE_WINDOW, Keys, delivery_keys
from services.shared.events import ReleaseEvent
from services.shared.release import AppName, utcnow

DEFAULT_WINDOW = timedelta(days=30)
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
    deployments: int = Field(description="releases that first went live in the window")
    deployment_frequency_per_day: float
    lead_time_seconds: float | None = Field(description="median commit time -> live")
    lead_time_samples: int = Field(description="deployments whose commit time is known")
    failed_changes: int = Field(description="deployments rolled back within the failure window")
    change_failure_rate: float | None
    time_to_restore_seconds: float | None = Field(description="median live -> rolled back, of failed changes")

    @classmethod
    def of(cls, keys: Keys) -> KeysOut:
        return cls.model_validate(keys, from_attributes=True)


class DeliveryOut(BaseModel):
    since: datetime
    until: datetime
    failure_window_days: float
    definitions: str = Field(description="where the definitions come from")
    overall: KeysOut
    apps: dict[str, KeysOut]


async def release_histories(database: ReleaseDatabase, since: datetime, app: str | None = None,
                            ) -> list[list[ReleaseEvent]]:
    """The folded events of every release that went live at or after `since`: all a deployment in the window
    can be (its first `live` is then at or after `since` too)."""
    # In UTC, as the log's times are stored: SQLite compares the digits, whatever offset they were written in.
    went_live = sa.select(events.c.release_id).where(events.c.state == "live",
                                                     events.c.occurred_at >= in_utc(since))
    if app is not None:
        went_live = went_live.where(events.c.app == app)
    query = (sa.select(events.c.release_id, events.c.body)
             .where(events.c.release_id.in_(went_live), events.c.variant == 0, events.c.note.is_(None))
             .order_by(events.c.release_id, events.c.seq))
    histories: dict[str, list[ReleaseEvent]] = {}
    async with database.engine.connect() as connection:
        for row in await connection.execute(query):
            histories.setdefault(row.release_id, []).append(ReleaseEvent.model_validate_json(row.body))
    return list(histories.values())


async def delivery_metrics(call: Call[DeliveryQuery, None]) -> web.StreamResponse:
    until = utcnow()
    since = call.params.since or until - DEFAULT_WINDOW
    # A window that starts in the future is empty, not an error: no schema can say "in the past", and a
    # request the OpenAPI document calls valid is answered (schemathesis: positive data acceptance).
    since = min(since, until)
    histories = await release_histories(call.request.app[DATABASE], since, call.params.app)
    report = delivery_keys(histories, since, until)
    return reply(DeliveryOut(
        since=since, until=until, failure_window_days=DEFAULT_FAILURE_WINDOW.total_seconds() / 86400,
        definitions=DEFINITIONS, overall=KeysOut.of(report.overall),
        apps={app: KeysOut.of(keys) for app, keys in report.apps.items()},
    ))


GAUGES = (("deployments", "deployments in the last 30 days"),
          ("deployment_frequency_per_day", "deployments per day over the last 30 days"),
          ("lead_time_seconds", "median commit -> live, last 30 days"),
          ("change_failure_rate", "share of deployments rolled back, last 30 days"),
          ("time_to_restore_seconds", "median live -> rolled back of failed changes, last 30 days"))


def delivery_gauges(registry: CollectorRegistry) -> Middleware:
    """Gauges per app (and app="" overall) over the last 30 days, computed from the database just before
    `/metrics` is read: a scrape costs one query, and nothing runs between scrapes."""
    gauges = {name: Gauge(f"greenlight_delivery_{name}", text, ["app"], registry=registry) for name, text in GAUGES}

    @web.middleware
    async def refresh(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/metrics" and DATABASE in request.app:
            until = utcnow()
            since = until - DEFAULT_WINDOW
            try:
                histories = await release_histories(request.app[DATABASE], since)
            except Exception as exc:
                if not is_outage(exc):
                    raise
                return await handler(request)  # the last values stay; greenlight_database_up says why
            report = delivery_keys(histories, since, until)
            for name, gauge in gauges.items():
                gauge.clear()
                for app, keys in (("", report.overall), *report.apps.items()):
                    if (value := getattr(keys, name)) is not None:
                        gauge.labels(app).set(float(value))
        return await handler(request)

    return refresh
