"""What the read model's SQLite transactions cost, read where they run: in this process (`inproc`), or from the
`/metrics` of the services that keep a read model (`procs`: the API and the switcher).

The services count the CPU their transactions take (services/shared/db/writer.py, `SPENT`), on the event loop and
on the database's threads alike; the rest of what a process spends on the read model (receiving the log's messages,
handing them to the fold) is not in it. PostgreSQL's transactions are not counted: the bench reads the server's
CPU instead.
"""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from services.shared.db.threadcpu import SPENT

FAMILY = "greenlight_database_cpu_seconds"
COUNT = "greenlight_database_transactions"


class DatabaseCpu:
    def __init__(self) -> None:
        self.metrics_urls: list[str] = []  # none: this process's own counter

    async def read(self) -> tuple[float, int]:
        """CPU seconds and transactions so far."""
        if not self.metrics_urls:
            return SPENT.on_loop + SPENT.on_threads, SPENT.transactions
        seconds, transactions = 0.0, 0
        async with aiohttp.ClientSession() as http:
            for url in self.metrics_urls:
                async with http.get(url) as response:
                    text = await response.text()
                for family in text_string_to_metric_families(text):
                    total = sum(sample.value for sample in family.samples if sample.name.endswith("_total"))
                    if family.name == FAMILY:
                        seconds += total
                    elif family.name == COUNT:
                        transactions += int(total)
        return seconds, transactions
