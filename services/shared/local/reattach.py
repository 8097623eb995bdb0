"""Route every app again after HAProxy (re)starts: its runtime maps start empty and every server in maintenance.

An app is re-attached on the platform's next call for it, which for an app with no release under way never comes:
after `scripts/infra/haproxy.sh --restart` (or a config from newer code, which restarts it) every idle app answered
503 until its next release. `scripts/infra/haproxy.sh` runs `python -m services.shared.local.reattach` once HAProxy
answers; each app known to a state file gets its slot, ports, health-check paths and live and preview pointers back,
each pointer once HAProxy's own check of its colour passed (AT_ONCE apps side by side). After a reboot the app's
containers were stopped too: those its marks say run are started again first (`revival.py`). Idempotent: an app
HAProxy still routes keeps its routing.
"""

from __future__ import annotations

import asyncio

import structlog

from services.shared.local import ENGINE_API
from services.shared.local.apps import Attachments
from services.shared.local.container_contract import Containers
from services.shared.local.containers import EngineContainers
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.local.marks import AppRecord, MarkStore
from services.shared.local.revival import Revival
from services.shared.local.routing import Router
from services.shared.local.settings import LocalSettings
from services.shared.platform import PlatformError, PlatformUnavailable
from services.shared.startup import StartupError, open_engine

log = structlog.get_logger(__name__)
# Apps re-attached together. One at a time, an app whose colour never passed HAProxy's check held every app after it
# at 503 for GREENLIGHT_LOCAL_SWITCH_TIMEOUT (10 s) each; all at once, a hundred apps would open as many admin-socket
# connections and engine calls. Slots and ports are handed out under file locks, so the order does not matter.
AT_ONCE = 8


def _records(marks: MarkStore) -> list[AppRecord]:
    found = []
    for path in sorted(marks.state_dir.glob("*.json")):
        try:
            found.append(AppRecord.model_validate_json(path.read_bytes()))
        except (OSError, ValueError):
            continue  # not an app's record (the secrets file), or removed meanwhile
    return found


async def reattach_all(settings: LocalSettings) -> list[str]:
    """The apps this call routed again (those HAProxy did not route); one that cannot be is logged and skipped.
    Every app's containers a reboot stopped are started again, a routed app's too (the engine restarted alone)."""
    try:
        docker = await open_engine(settings.engine_url(), "GREENLIGHT_LOCAL_DOCKER_HOST", api_version=ENGINE_API)
    except StartupError as exc:
        # podman's containers outlive its API service: routing them again is still worth it.
        log.warning("container engine unreachable: apps routed again, no stopped container started", error=str(exc))
        return await _reattach(settings, None)
    try:
        containers = EngineContainers(docker, pull_auth=None, podman_cgroups=settings.podman_cgroups)
        return await _reattach(settings, containers)
    finally:
        await docker.close()


async def _reattach(settings: LocalSettings, containers: Containers | None) -> list[str]:
    marks = MarkStore(settings.state_dir, settings.secrets_path)
    router = Router(HAProxyRuntime(settings.socket), settings)
    revival = Revival(containers, marks, settings) if containers is not None else None
    apps, gate = Attachments(marks, router, settings, revival), asyncio.Semaphore(AT_ONCE)

    async def again(record: AppRecord) -> str | None:
        async with gate:
            if await router.slot_of(record.app) is not None:
                if revival is not None:  # its pointers stand; HAProxy's checks see the containers come back
                    await revival.start_stopped(record.app)
                return None
            try:
                await apps.attach(record.app, record.readiness_path)
            except PlatformUnavailable:
                raise  # HAProxy gone again: nothing else can be routed either
            except PlatformError as exc:  # all slots taken, say: the others are still worth routing
                log.error("could not route an app again after HAProxy started", app=record.app, error=str(exc))
                return None
            return record.app

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(again(record)) for record in await asyncio.to_thread(_records, marks)]
    except* PlatformUnavailable as gone:  # the others were cancelled with it: the first says why
        raise gone.exceptions[0] from None
    return [app for task in tasks if (app := task.result()) is not None]


if __name__ == "__main__":
    print(" ".join(asyncio.run(reattach_all(LocalSettings()))) or "no app to route again")
