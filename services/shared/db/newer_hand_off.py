"""A read model whose projector met an event only a newer Greenlight reads (events.NewerVersion), which the log may
hold during a rolling upgrade.

A leader that meets one stops before it (fold_loop.py), lets the lease go at once (and its candidacy) so that a newer
replica takes over, and is not ready until the projection has passed it; it tries the lease again only after
NEWER_PAUSE lease intervals (a replica restarted meanwhile may be a newer one), so old replicas hand the lease round
at that pace and none of them spins.
"""

from __future__ import annotations

import asyncio

from services.shared.db.projector import Projector

NEWER_PAUSE = 30  # lease intervals a process that stopped at a newer Greenlight's event leaves the lease to others


class NewerHandOff:
    """ReadModel's part (standby.py, which sets these attributes) that leaves a newer Greenlight's event to a replica
    that reads it, and says the process is not ready meanwhile."""

    projector: Projector
    lease_interval: float
    preferred: bool
    readiness: dict[str, bool] | None
    _newer: tuple[int, float] | None

    @property
    def ready(self) -> bool:
        """False from stopping at an event only a newer Greenlight reads until the projection has passed it."""
        return self._newer is None

    @property
    def left_to_newer(self) -> int | None:
        """The offset of the event only a newer Greenlight reads that this process stopped at, until it is folded."""
        return self._newer[0] if self._newer is not None else None

    async def _let_go(self) -> None:
        """The projector stopped at an event only a newer Greenlight reads: the lease (and the candidacy, which would
        hold a newer switcher off) goes to whoever can read it, and this process is not ready until it is folded."""
        offset = self.projector.newer[0] if self.projector.newer else -1
        await self.projector.stop()
        if self.preferred:
            await self.projector.lease.withdraw()
        self._newer = (offset, asyncio.get_running_loop().time() + NEWER_PAUSE * self.lease_interval)
        self._set_ready(False)

    def _held_back(self, folded: int, now: float) -> bool:
        """Whether to leave the lease alone: within NEWER_PAUSE of stopping at a newer Greenlight's event that the
        projection (`folded`) has not passed yet."""
        if self._newer is not None and folded >= self._newer[0]:
            self._newer = None  # another replica folded it
            self._set_ready(True)
        return self._newer is not None and now < self._newer[1]

    def _set_ready(self, ready: bool) -> None:
        if self.readiness is not None:
            self.readiness["database"] = ready
