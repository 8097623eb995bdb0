"""Progress of a running step (build output, push progress, replicas ready): for people, not for state.

Progress messages go to the events exchange under `progress.<app>.<step>`, which neither the release
log (`release.#`) nor any work queue is bound to: they are never folded into a release's state, never
stored, and lost when nobody listens. They are throttled at the source (`ProgressReporter`) and carry
only what a step chose to say, after `redact` removed every value it was told is secret.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from services.shared.release import AppName, utcnow

PROGRESS_PREFIX = "progress"
MAX_MESSAGE = 300
# switch: only its retry notices (shared/retries.py); approval: "1 of 2 approvals" (approval/quorum.py)
Step = Literal["build", "push", "deploy", "switch", "approval"]


class Progress(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    release_id: str
    app: AppName
    step: Step
    message: str = Field(max_length=MAX_MESSAGE)
    current: int | None = Field(None, description="units done (build steps, bytes, replicas ready)")
    total: int | None = Field(None, description="units in all, when known")
    at: datetime = Field(default_factory=utcnow)

    @property
    def routing_key(self) -> str:
        return progress_key(self.app, self.step)


def progress_key(app: str, step: str) -> str:
    return f"{PROGRESS_PREFIX}.{app}.{step}"


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if len(secret) >= 4:  # shorter values would blank out ordinary words
            text = text.replace(secret, "***")
    return text


class ProgressSink(Protocol):
    """Where progress goes: the bus publishes it (best effort, it never fails the step)."""

    async def progress(self, item: Progress) -> None: ...


class ProgressReporter:
    """At most one message per `interval` seconds; the newest one waiting is sent at the next chance
    or by `flush()`, so the last word of a step is never dropped, only the ones in between."""

    def __init__(self, sink: ProgressSink | None, release_id: str, app: str, step: Step, *,
                 interval: float = 0.25, secrets: Iterable[str] = ()) -> None:
        self.sink = sink
        self.release_id = release_id
        self.app = app
        self.step: Step = step
        self.interval = interval
        self.secrets = tuple(secrets)
        self._last = float("-inf")
        self._pending: Progress | None = None
        self.sent = 0

    async def report(self, message: str, current: int | None = None, total: int | None = None) -> None:
        if self.sink is None:
            return
        text = redact(message, self.secrets).strip()[:MAX_MESSAGE]
        self._pending = Progress(release_id=self.release_id, app=self.app, step=self.step, message=text,
                                 current=current, total=total)
        if time.monotonic() - self._last >= self.interval:
            await self.flush()

    async def flush(self) -> None:
        if self.sink is None or self._pending is None:
            return
        item, self._pending = self._pending, None
        self._last = time.monotonic()
        self.sent += 1
        await self.sink.progress(item)
