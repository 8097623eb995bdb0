"""Figures of `/metrics` whose database read failed for a reason other than an outage (a permission denied, a table
missing, a bug in the figures): left out of the scrape rather than failing it, marked by a gauge, logged once.

Such a failure comes back at every scrape: a 500 lost every series of the API with it (the read model's alerts page
on a missing `greenlight_projector_leading`), and a traceback per scrape buried the one line that says why. An
outage is not one of these: its figures stay as last read and `greenlight_database_up 0` says why (metrics.py).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

import sqlalchemy as sa
import structlog
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = structlog.get_logger(__name__)
FIGURES = ("releases", "delivery")  # greenlight_releases; greenlight_delivery_*
_OF_REGISTRY: weakref.WeakKeyDictionary[CollectorRegistry, FailedReads] = weakref.WeakKeyDictionary()


def reason_of(exc: BaseException) -> str:
    """The failure's first line: the driver's own for a statement the database refused (never the statement or its
    parameters, which SQLAlchemy's message quotes)."""
    cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first[:300]}" if first else type(cause).__name__


class FailedReads(Collector):
    def __init__(self) -> None:
        self.reasons: dict[str, str | None] = dict.fromkeys(FIGURES)

    def failed(self, figures: str, exc: Exception) -> None:
        """Logged when it starts or its reason changes, not at every scrape; a bug's traceback once, with it."""
        reason = reason_of(exc)
        if self.reasons[figures] != reason:
            log.error("figures left out of /metrics until their database read succeeds", figures=figures,
                      reason=reason, exc_info=None if isinstance(exc, sa.exc.DBAPIError) else exc)
        self.reasons[figures] = reason

    def read(self, figures: str) -> None:
        if self.reasons[figures] is not None:
            log.info("figures read again; back in /metrics", figures=figures)
        self.reasons[figures] = None

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "greenlight_metrics_read_failed", "1 while these figures are left out of /metrics because their "
            "database read failed for a reason other than an outage (the log says why), else 0", labels=["figures"])
        for figures, reason in self.reasons.items():
            family.add_metric([figures], 0.0 if reason is None else 1.0)
        yield family


def failed_reads(registry: CollectorRegistry) -> FailedReads:
    """The registry's one FailedReads: the release counts and the delivery gauges are made apart and share it."""
    if registry not in _OF_REGISTRY:
        _OF_REGISTRY[registry] = found = FailedReads()
        registry.register(found)
    return _OF_REGISTRY[registry]
