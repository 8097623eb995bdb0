"""Route every app again after HAProxy (re)starts: its runtime maps start empty and every server in maintenance.

An app is re-attached on the platform's next call for it, which for an app with no release under way never comes:
after `scripts/infra/haproxy.sh --restart` (or a config from newer code, which restarts it) every idle app answered
503 until its next release. `scripts/infra/haproxy.sh` runs `python -m services.shared.local.reattach` once HAProxy
answers; each app known to a state file gets its slot, ports, health-check paths and live and preview pointers back.
Idempotent: an app HAProxy still routes is left as it is.
"""

from __future__ import annotations

import asyncio

import structlog

from services.shared.local.apps import Attachments
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.local.marks import AppRecord, MarkStore
from services.shared.local.routing import Router
from services.shared.local.settings import LocalSettings
from services.shared.platform import PlatformError, PlatformUnavailable

log = structlog.get_logger(__name__)


def _records(marks: MarkStore) -> list[AppRecord]:
    found = []
    for path in sorted(marks.state_dir.glob("*.json")):
        try:
            found.append(AppRecord.model_validate_json(path.read_bytes()))
        except (OSError, ValueError):
            continue  # not an app's record (the secrets file), or removed meanwhile
    return found


async def reattach_all(settings: LocalSettings) -> list[str]:
    """The apps this call routed again (those HAProxy did not route); one that cannot be is logged and skipped."""
    marks = MarkStore(settings.state_dir)
    router = Router(HAProxyRuntime(settings.socket), settings)
    apps, routed = Attachments(marks, router, settings), []
    for record in await asyncio.to_thread(_records, marks):
        if await router.slot_of(record.app) is not None:
            continue
        try:
            await apps.attach(record.app, record.readiness_path)
        except PlatformUnavailable:
            raise  # HAProxy gone again: nothing else can be routed either
        except PlatformError as exc:  # all slots taken, say: the others are still worth routing
            log.error("could not route an app again after HAProxy started", app=record.app, error=str(exc))
            continue
        routed.append(record.app)
    return routed


if __name__ == "__main__":
    print(" ".join(asyncio.run(reattach_all(LocalSettings()))) or "no app to route again")
