"""DORA's four keys over the release log: `GET /metrics/delivery` and Prometheus gauges on `/metrics`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated

from aiohttp import web
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel, BeforeValidator, Field

from services.approval.errors import Unprocessable
from services.approval.models import FieldError, Params
from services.approval.routing import Call, reply
from services.shared.dora import DEFAULT_FAILURE_WINDOW, Keys, delivery_keys
from services.shared.events import ReleaseEvent
from services.shared.release import AppName, utcnow
from services.shared.runtime import METRICS, STORE
from services.shared.store import ReleaseStore

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
    since: Annotated[datetime | None, BeforeValidator(_iso_only)] = Field(
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


def release_histories(store: ReleaseStore, app: str | None = None) -> list[Sequence[ReleaseEvent]]:
    """Each release's events from today's in-memory store (the lead ports this to the database)."""
    return [[logged.event for logged in history] for history in store.history.values()
            if history and (app is None or history[0].event.app == app)]


async def delivery_metrics(call: Call[DeliveryQuery, None]) -> web.StreamResponse:
    until = utcnow()
    since = call.params.since or until - DEFAULT_WINDOW
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    if since >= until:
        raise Unprocessable.of_fields([FieldError(loc=["query", "since"], msg="must be in the past")])
    report = delivery_keys(release_histories(call.request.app[STORE], call.params.app), since, until)
    return reply(DeliveryOut(
        since=since, until=until, failure_window_days=DEFAULT_FAILURE_WINDOW.total_seconds() / 86400,
        definitions=DEFINITIONS, overall=KeysOut.of(report.overall),
        apps={app: KeysOut.of(keys) for app, keys in report.apps.items()},
    ))


class DeliveryCollector(Collector):
    """Computed at scrape time over the last 30 days, per app and overall (app="")."""

    GAUGES = (("deployments", "deployments in the last 30 days"),
              ("deployment_frequency_per_day", "deployments per day over the last 30 days"),
              ("lead_time_seconds", "median commit -> live, last 30 days"),
              ("change_failure_rate", "share of deployments rolled back, last 30 days"),
              ("time_to_restore_seconds", "median live -> rolled back of failed changes, last 30 days"))

    def __init__(self, store: ReleaseStore) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        until = utcnow()
        report = delivery_keys(release_histories(self.store), until - DEFAULT_WINDOW, until)
        for name, help_text in self.GAUGES:
            family = GaugeMetricFamily(f"greenlight_delivery_{name}", help_text, labels=["app"])
            for app, keys in (("", report.overall), *report.apps.items()):
                value = getattr(keys, name)
                if value is not None:
                    family.add_metric([app], float(value))
            yield family


def add_delivery_metrics(app: web.Application) -> None:
    app[METRICS].register(DeliveryCollector(app[STORE]))
