"""A real Prometheus (Debian's package) scraping a real events app, both on free loopback ports.

Started and stopped by the test itself, with its own config and data directory under the test's tmp dir.
Readiness is awaited from Prometheus' own log line; data from the app's side: each scrape of /metrics is
counted, and a sample is queryable once the scrape after it has begun (Prometheus commits a scrape before it
starts the next one).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from events_app.app import create_app
from events_app.settings import Settings
from tests.harness import serving
from tests.ports import free_port as _free_port

READY_LINE = b"Server is ready to receive web requests."


@dataclass
class Scraped:
    count: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def at_least(self, count: int, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: self.count >= count)


def events_app(colour: str, scraped: Scraped) -> web.Application:
    app = create_app(Settings(app_color=colour))  # type: ignore[arg-type]

    @web.middleware
    async def count_scrapes(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                            ) -> web.StreamResponse:
        if request.path == "/metrics":
            async with scraped.changed:
                scraped.count += 1
                scraped.changed.notify_all()
        return await handler(request)

    app.middlewares.append(count_scrapes)
    return app


@contextlib.asynccontextmanager
async def prometheus_scraping(tmp: Path, colour: str = "green") -> AsyncIterator[tuple[str, Scraped]]:
    """(Prometheus' URL, the scrape counter) once Prometheus is ready and has scraped the app once."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus is not installed: run scripts/setup.sh (apt-get install prometheus)"
    scraped = Scraped()
    async with serving(events_app(colour, scraped), 0) as app_url:
        target = app_url.removeprefix("http://")
        config = tmp / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 250ms, scrape_timeout: 200ms}\n"
            f"scrape_configs:\n  - job_name: events\n    static_configs: [{{targets: ['{target}']}}]\n"
            f"    relabel_configs: [{{target_label: app, replacement: tmapp}}]\n")
        port = _free_port()
        process = await asyncio.create_subprocess_exec(
            binary, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{port}", stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        assert process.stderr is not None
        ready = asyncio.Event()

        async def drain() -> None:  # the pipe is read to its end, or Prometheus would block on a full one
            assert process.stderr is not None
            async for line in process.stderr:
                if READY_LINE in line:
                    ready.set()

        reader = asyncio.create_task(drain())
        try:
            async with asyncio.timeout(30):
                await ready.wait()
            await scraped.at_least(2)
            yield f"http://127.0.0.1:{port}", scraped
        finally:
            process.terminate()
            await process.wait()
            await reader
