"""Replicas ready per colour for an app's card, read from the platform itself at request time.

The read model knows what Greenlight did, not what the cluster runs now: a crashed pod or a finished
scale-down shows only on the platform. Reading it is bounded in time and never fails the request:
a platform that does not answer leaves `colours` out (null) rather than inventing numbers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import structlog
from aiohttp import web

from services.approval.answers import ColourReplicas
from services.approval.settings import ApprovalSettings
from services.shared.db.releases import AppRow
from services.shared.platform import AppRef, Platform
from services.shared.platforms import platform_from_env
from services.shared.release import Colour

log = structlog.get_logger(__name__)
COLOUR_PLATFORM = web.AppKey("colour_platform", Platform)


def colour_facts_ctx(settings: ApprovalSettings,
                     injected: Platform | None) -> Callable[[web.Application], AsyncIterator[None]]:
    """Opens the platform (as the deployer would) when `GREENLIGHT_API_COLOUR_FACTS` is on; tests inject one."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        if injected is not None:
            app[COLOUR_PLATFORM] = injected
            yield
        elif settings.colour_facts:
            async with platform_from_env(settings.kube, settings.platform) as platform:
                app[COLOUR_PLATFORM] = platform
                yield
        else:
            yield

    return ctx


async def colour_replicas(app: web.Application, row: AppRow,
                          timeout: float) -> dict[Colour, ColourReplicas] | None:
    platform = app.get(COLOUR_PLATFORM)
    if platform is None:
        return None
    # The newest spec Greenlight knows for the app says where it runs (a Kubernetes namespace). A release requested
    # or building has none yet (greenlight.yaml is read at `built`): the default namespace is not where the app runs.
    newest = next((r for r in (row.in_flight, row.standby, row.live) if r is not None and r.spec is not None), None)
    ref = AppRef.of(newest) if newest is not None else AppRef(row.app)
    try:
        async with asyncio.timeout(timeout):
            state = await platform.read(ref)
    except Exception as exc:  # any failure: say nothing rather than something false
        log.warning("platform did not answer for replicas", app=row.app, error=repr(exc)[:200])
        return None
    return {colour: ColourReplicas(ready=each.ready_replicas, desired=each.replicas)
            for colour, each in sorted(state.colours.items())}
