"""Run the analysis service on the test's bus, and the events that start an analysis."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from services.analysis.app import create_app
from services.analysis.settings import AnalysisSettings
from services.shared.analysis_spec import AnalysisSpec
from services.shared.appspec import AppSpec
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.harness import make_release, running


@contextlib.asynccontextmanager
async def analysis(bus_settings: BusSettings, **overrides: Any) -> AsyncIterator[web.Application]:
    async with running(create_app(AnalysisSettings(bus=bus_settings, **overrides))) as app:
        yield app


def http_check(name: str = "health", **fields: Any) -> dict[str, Any]:
    """A check on GET /check judging $.error_rate: <= 0.05 successful, >= 0.1 failed, between inconclusive."""
    return {"name": name, "interval": 0.05, "count": 3, "success": "<= 0.05", "failure": ">= 0.1",
            "http": {"path": "/check", "jsonpath": "$.error_rate", "timeout": 2}, **fields}


def analysing(rid: str, preview: str, *pre: dict[str, Any], seq: int = 7) -> ReleaseEvent:
    """What the deployer publishes once a release with pre-promotion checks is staged on green."""
    spec = AppSpec(analysis=AnalysisSpec.model_validate({"pre": list(pre)}))
    release = make_release(rid, spec=spec, state=S.ANALYSING, seq=seq, standby_colour=Colour.GREEN,
                           live_colour=Colour.BLUE, preview=preview, previous_release="r0")
    details = {"standby_colour": "green", "live_colour": "blue", "preview": preview}
    return ReleaseEvent(release_id=rid, app=release.app, seq=seq, state=S.ANALYSING, actor="deployer",
                        details=details, release=release)
