"""The garbage collector set for a long-running service (GREENLIGHT_GC_*), applied by `runtime.run`.

Why: with CPython's defaults (a young collection every 700 allocations, a full one every ~70,000 when the
old generation has grown by a quarter) the API with 2,000 event streams open stopped for full collections of
260-305 ms several times a minute, each finding almost nothing to free: they were the POST /releases p99
(bench/sse_bench.py). Start-up alone leaves ~170,000 objects (modules, pydantic schemas, SQLAlchemy tables)
that every full collection walked again. So: those are frozen once start-up is done (`gc.freeze`: never
walked again; freed as usual when their count drops), and young collections run every `threshold` allocations,
which lets the short-lived objects of a request or an event's fan-out die before they are promoted.
Cyclic garbage is still collected, only later. Not applied in tests, which build many apps in one process.
"""

from __future__ import annotations

import gc

from aiohttp import web
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GcSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_GC_")

    threshold: int = Field(50_000, ge=100, description=(
        "allocations between young-generation collections; default 50,000 (CPython's own: 700)"))
    freeze: bool = Field(True, description="freeze what start-up allocated so that no collection walks it; "
                                           "default true")


def tune_gc(app: web.Application, settings: GcSettings | None = None) -> None:
    """Set the thresholds now; freeze once the app's start-up (every cleanup context) has run."""
    settings = settings or GcSettings()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(settings.threshold, older, oldest)
    if settings.freeze:
        app.on_startup.append(_freeze)  # after cleanup_ctx's own start-up handler, registered first


async def _freeze(_app: web.Application) -> None:
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()
