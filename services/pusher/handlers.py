"""`built` → `pushing` → `pushed` | `failed`: credentials, tag policy, push, digest read back (image_push.py)."""

from __future__ import annotations

from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter

from services.pusher.engine import PushEngine
from services.pusher.errors import RegistryRefused
from services.pusher.image_push import ImagePush
from services.pusher.settings import PusherSettings
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.locks import KeyedLocks
from services.shared.progress import ProgressReporter, redact
from services.shared.protocol import ReleaseState as S
from services.shared.registry.api import RegistryApi
from services.shared.registry.auth import RegistryAuth
from services.shared.release import ReleaseError

log = structlog.get_logger(__name__)
ACTOR = "pusher"


class PushHandler(ImagePush):
    """One release's push at a time (ImagePush), announced: `pushing`, then `pushed` with the digest, or `failed` when
    the registry refuses; a transient error is retried on the broker and the whole push redone."""

    def __init__(self, settings: PusherSettings, auth: RegistryAuth, registry: RegistryApi,
                 engine: PushEngine, metrics: CollectorRegistry) -> None:
        self.settings = settings
        self.auth = auth
        self.registry = registry
        self.engine = engine
        self.locks = KeyedLocks()
        self.outcomes = Counter("greenlight_pusher_releases", "releases handled by outcome", ["outcome"],
                                registry=metrics)

    async def __call__(self, event: ReleaseEvent, bus: Bus) -> None:
        release = event.release
        pushing = event.next(S.PUSHING, actor=ACTOR, details={"image": release.image})
        await bus.publish(pushing)
        progress = ProgressReporter(bus, release.id, release.app, "push",
                                    interval=self.settings.progress_interval, secrets=self.settings.secrets())
        async with self.locks.hold(release.id):
            try:
                pushed = await self._push(release, progress)
            except RegistryRefused as exc:
                reason = redact(str(exc), progress.secrets)  # a registry may repeat a credential in its refusal
                log.warning("push refused", reason=reason)
                self.outcomes.labels("failed").inc()
                error = ReleaseError(step="push", reason=reason)
                await bus.publish(pushing.next(S.FAILED, actor=ACTOR, error=error,
                                               details={"step": error.step, "reason": error.reason}))
                return
            # TransientRegistryError and EngineUnavailable are `Retry`s: the consumer parks the message on
            # the broker for a backoff, and the whole push is redone (every step re-checks) when it is back.
        await progress.flush()
        self.outcomes.labels("skipped" if pushed.skipped else "pushed").inc()
        details: dict[str, Any] = {"image": pushed.image, "digest": pushed.digest, "skipped": pushed.skipped}
        if pushed.note:
            details["note"] = pushed.note
        await bus.publish(pushing.next(S.PUSHED, actor=ACTOR, details=details,
                                       image=pushed.image, digest=pushed.digest))
