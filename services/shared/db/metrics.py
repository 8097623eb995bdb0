"""What a process's read model shows on `/metrics`: the CPU of its SQLite transactions, and its projector.

Read at scrape time from the figures the projector and the transaction counter keep, so they cannot drift from
them; no scrape touches the database (`/metrics` answers through an outage).
"""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.shared.db.runtime import READ_MODEL
from services.shared.db.threadcpu import SPENT


class TransactionCpuCollector(Collector):
    """`greenlight_database_cpu_seconds_total` and `greenlight_database_transactions_total`: what the read model's
    SQLite transactions cost this process."""

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "greenlight_database_cpu_seconds", "CPU this process spent inside SQLite transactions of the read model "
            "(PostgreSQL's are not counted: see the server's own CPU)", labels=["thread"])
        family.add_metric(["event_loop"], SPENT.on_loop)
        family.add_metric(["database"], SPENT.on_threads)
        yield family
        yield CounterMetricFamily("greenlight_database_transactions", "SQLite transactions of the read model run "
                                  "by this process, reads included", value=SPENT.transactions)


class ProjectionCollector(Collector):
    """The projector of this process: whether it leads, what it folded and how far behind the log it is. One process
    per database leads; a standby shows `greenlight_projector_leading 0` and counters that stand still. Alerts worth
    having: nobody leading (`sum(greenlight_projector_leading) == 0`), `behind_seconds` above a few seconds, and any
    `conflict` (a retried step that decided otherwise: both events are kept, the second marked)."""

    def __init__(self, app: web.Application) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        model = self.app.get(READ_MODEL)
        if model is None:  # before start-up's catch-up, and once stopped
            return
        projector = model.projector
        yield GaugeMetricFamily("greenlight_projector_leading", "1 while this process folds the release log into "
                                "the database", value=int(projector.leading))
        events = CounterMetricFamily("greenlight_projection_events", "events this process's projector took, by "
                                     "outcome: new (stored; an illegal transition too, with its reason), conflict "
                                     "(stored and marked: another event with the same release and seq came first), "
                                     "duplicate (stored already)", labels=["outcome"])
        events.add_metric(["new"], projector.folded.new - projector.folded.conflicts)
        events.add_metric(["duplicate"], projector.folded.duplicates)
        events.add_metric(["conflict"], projector.folded.conflicts)
        yield events
        yield CounterMetricFamily("greenlight_projection_batches", "transactions this process's projector "
                                  "committed", value=projector.batches)
        yield GaugeMetricFamily("greenlight_projection_offset", "the log offset this process last folded through "
                                "(-1: none yet)", value=projector.folded_to)
        yield GaugeMetricFamily("greenlight_projection_pending", "events delivered to this process's projector "
                                "and not folded yet", value=projector.pending)
        yield GaugeMetricFamily("greenlight_projection_behind_seconds", "how long the oldest of them has waited; 0 "
                                "when caught up", value=projector.behind())
