"""Where releases run: the small interface the deployer and switcher need from a cluster.

It speaks of apps, colours, release ids and readiness, never of a platform's objects, so the
Kubernetes adapter (services/shared/kube/) and a local-containers adapter can both implement it.

Contract every adapter keeps:
- Each colour of an app carries a *mark*: the release it runs (id, commit, image) and a
  `ColourStatus`. Marks live on the platform itself (Kubernetes: annotations), so every handler
  can check "is my effect already there?" after a crash, without a database of its own.
- The app's live pointer (Kubernetes: the Service selector) names at most one colour and the
  release id that made it live. `switch` changes it only from the colour the caller expects;
  a concurrent writer is detected (optimistic concurrency), re-read and decided on again.
- Conditional writes (`deploy`, `mark`, `scale` with conditions) are atomic against other
  writers of the same colour: the adapter re-reads and re-checks on a write conflict.
- Transient trouble (API unreachable, 5xx) raises `PlatformUnavailable`; the caller retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from services.shared.appspec import AppSpec
from services.shared.platform_errors import ColourBusy, LiveChanged, NotReady, PlatformError, PlatformUnavailable
from services.shared.release import Colour, Release

__all__ = ["AppRef", "AppState", "ColourBusy", "ColourState", "ColourStatus", "LiveChanged", "NotReady", "Platform",
           "PlatformError", "PlatformUnavailable", "Rollout"]

class ColourStatus(StrEnum):
    """What the release on a colour is doing; only AWAITING_APPROVAL holds the colour for it."""

    DEPLOYING = "deploying"
    AWAITING_APPROVAL = "awaiting-approval"
    LIVE = "live"
    # No longer live but kept warm for a rollback until the scale-down timer fires.
    RETIRED = "retired"
    # The release failed or was rejected: the colour is free for the next one.
    RELEASED = "released"


@dataclass(frozen=True)
class AppRef:
    """An app and its spec (port, probe, env, replicas, namespace) as the release carries them."""

    name: str
    spec: AppSpec = field(default_factory=AppSpec)

    @classmethod
    def of(cls, release: Release) -> AppRef:
        return cls(release.app, release.spec or AppSpec())


@dataclass(frozen=True)
class Rollout:
    """What to run on a colour: one release's image, pinned by digest."""

    release_id: str
    commit: str
    image: str


@dataclass(frozen=True)
class ColourState:
    colour: Colour
    release_id: str | None
    commit: str | None
    image: str | None
    status: ColourStatus | None
    replicas: int  # desired
    ready: bool  # the platform reports the desired replicas of the current template all available
    ready_replicas: int = 0  # replicas ready to serve now (of any template: what answers requests)
    # replicas of the current template available (rollout progress; an adapter that cannot tell leaves 0)
    updated_ready: int = 0


@dataclass(frozen=True)
class AppState:
    app: str
    exists: bool  # the app's live and preview pointers exist
    live: Colour | None
    live_release: str | None  # release id recorded by the last switch
    preview: Colour | None
    colours: Mapping[Colour, ColourState] = field(default_factory=dict)

    def colour(self, colour: Colour) -> ColourState | None:
        return self.colours.get(colour)

    def standby(self) -> Colour:
        """The colour a new release goes to: the one not live (blue for an app's first release)."""
        return self.live.other if self.live is not None else Colour.BLUE

    def serving_replicas(self, default: int) -> int:
        """The replicas a standby gets: what the live colour runs now (scaled by hand or by an autoscaler since the
        app's first release), or `default` (greenlight.yaml's `replicas`) when nothing live runs any."""
        live = self.colour(self.live) if self.live is not None else None
        return live.replicas if live is not None and live.replicas > 0 else default


@runtime_checkable
class Platform(Protocol):
    async def read(self, app: AppRef) -> AppState:
        """The app's live colour, preview, and what each existing colour runs."""
        ...

    async def ensure_app(self, app: AppRef) -> AppState:
        """Create the app's live and preview pointers if missing (live: no colour yet); idempotent."""
        ...

    async def deploy(self, app: AppRef, colour: Colour, rollout: Rollout, replicas: int) -> None:
        """Run `rollout` on `colour` (created if missing), marked DEPLOYING; returns without waiting.

        Raises ColourBusy if the colour is live or marked AWAITING_APPROVAL by another release.
        Deploying what the colour already runs changes nothing.
        """
        ...

    async def wait_ready(self, app: AppRef, colour: Colour, release_id: str, timeout: float) -> ColourState:
        """Until `colour` runs `release_id` with every desired replica available.

        Raises NotReady with the platform's reason when the deadline passes, the rollout is
        reported stuck, or another release takes the colour meanwhile.
        """
        ...

    async def set_preview(self, app: AppRef, colour: Colour) -> str:
        """Point the app's preview at `colour` (idempotent); returns where the preview answers."""
        ...

    async def mark(self, app: AppRef, colour: Colour, release_id: str, status: ColourStatus) -> bool:
        """Set the colour's status if it still runs `release_id`; False (nothing written) otherwise."""
        ...

    async def switch(self, app: AppRef, expected: Colour | None, to: Colour, release_id: str) -> bool:
        """Point live at `to` (recording `release_id`), only if live is `expected`; verified by read-back.

        Returns False, writing nothing, when live already is `to` for `release_id` (a repeat).
        Raises LiveChanged when live is anything else than `expected`.
        """
        ...

    async def scale(self, app: AppRef, colour: Colour, replicas: int, *, if_release: str | None = None,
                    if_status: ColourStatus | None = None) -> bool:
        """Set the colour's desired replicas; with conditions, only while the mark still matches them.

        Returns whether the conditions held (the write is then done, or was already in place).
        """
        ...
