"""`requested` → `building` → `built` | `failed`: source checks, clone, spec, lint, build."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import structlog
from prometheus_client import CollectorRegistry, Counter

from services.builder.checkout_build import CheckoutBuild
from services.builder.checkouts import SourceError, SourceFetcher
from services.builder.image_builds import BuildEngine
from services.builder.image_maker import ImageMaker
from services.builder.inputs import check_source, read_spec
from services.builder.lint import Linter
from services.builder.outcome import ACTOR, Outcome, prebuilt
from services.builder.retention import Built, ImageRetention
from services.builder.settings import BuilderSettings
from services.builder.shipped import ShipsHistory
from services.shared.appspec import AppSpecError
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.locks import KeyedLocks
from services.shared.progress import ProgressReporter
from services.shared.protocol import ReleaseState as S
from services.shared.registry.lookup import ImageLookup
from services.shared.release import Release, ReleaseError
from services.shared.repo_policy import RepositoryPolicy
from services.shared.sources import UnsafeSource

log = structlog.get_logger(__name__)
FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # fullmatch: `$` also matches before a final newline


class BuildHandler:
    """Idempotent, and more: the image is tagged `<registry>/<image>:<commit>` and labelled with its build
    key (app, commit, Dockerfile path and content, context, build args: `buildkey.py`). Before building,
    the tag is inspected on the engine, then (the engine pruned, or another replica built it) in the
    target registry; if it carries this key, the image is reused, whichever release built it, and
    `built` says so (from the registry: with its digest, so the pusher pushes nothing). A redelivered
    request therefore re-emits the same `built` event (same seq, same message id). Clone, spec and lint
    are read-only and deterministic for a commit. A release whose image is half-built (builder killed
    mid-build) has no tag yet and is built again.
    A release asked for with an image (`release.digest` already set) is not built at all: the spec is
    read at its commit (or was copied from the release it came from) and the image is passed on."""

    def __init__(self, settings: BuilderSettings, source: SourceFetcher, linter: Linter,
                 engine: BuildEngine, metrics: CollectorRegistry, lookup: ImageLookup | None = None,
                 retention: ImageRetention | None = None) -> None:
        self.settings = settings
        self._secrets = tuple(settings.build_args.values())  # the operator's build args: masked wherever shown
        self.source = source
        self.linter = linter
        self.retention = retention
        self.locks = KeyedLocks()
        self.policy = RepositoryPolicy(settings.repository.allow)
        self.outcomes = Counter("greenlight_builder_releases", "releases handled by outcome", ["outcome"],
                                registry=metrics)
        self.images = ImageMaker(settings, source, engine, lookup, metrics, self._secrets)
        self.from_checkout = CheckoutBuild(settings, linter, self.images, retention)

    async def __call__(self, event: ReleaseEvent, bus: Bus) -> None:
        release = event.release
        try:
            check_source(release, allow_local=self.settings.allow_local_repos, policy=self.policy)
        except UnsafeSource as exc:
            log.warning("refusing unsafe source", reason=str(exc))
            self.outcomes.labels("refused").inc()
            error = ReleaseError(step="source", reason=f"unsafe source refused: {exc}")
            await bus.publish(event.next(S.FAILED, actor=ACTOR, error=error,
                                         details={"step": error.step, "reason": error.reason}))
            return
        building = event.next(S.BUILDING, actor=ACTOR,
                              details={"repository": release.repository, "commit": release.commit})
        await bus.publish(building)
        progress = ProgressReporter(bus, release.id, release.app, "build",
                                    interval=self.settings.progress_interval,
                                    secrets=self._secrets)
        async with self.locks.hold(release.id):
            outcome = await self._produce(release, progress, _live_commit(event))
        await progress.flush()
        self.outcomes.labels("failed" if outcome.error else "reused" if outcome.reused else "built").inc()
        await bus.publish(outcome.event(building))
        if self.retention is not None and outcome.error is None and outcome.build_key is not None:
            # After `built`, never before it; bounded, and it never raises: the build stands whatever happens.
            await self.retention.prune(release.app, Built(outcome.image, outcome.image_id, outcome.stage_images))

    async def _produce(self, release: Release, progress: ProgressReporter, live_commit: str | None) -> Outcome:
        if release.digest is not None and release.spec is not None:
            return prebuilt(release, release.spec)
        try:
            async with self.source.checkout(release.repository, release.commit) as checkout:
                if release.digest is not None:
                    try:
                        return prebuilt(release, await asyncio.to_thread(read_spec, checkout))
                    except AppSpecError as exc:
                        return Outcome(error=ReleaseError(step="spec", reason=str(exc)))
                outcome = await self.from_checkout(release, checkout, progress)
                if outcome.error is not None:
                    return outcome
                # The approver's list first: read after `shipped` deepened the clone it would grow from the head
                # alone to 50 commits of history, each event and each delivery reading with it.
                commits = await self.source.commits(checkout)
                shipped = None
                if isinstance(self.source, ShipsHistory):
                    shipped = await self.source.shipped(
                        checkout, release.repository, release.commit, live_commit,
                        limit=self.settings.shipped_commits, timeout=self.settings.history_timeout)
                return dataclasses.replace(outcome, commits=tuple(commits),
                                           shipped=shipped.details() if shipped is not None else None)
        except SourceError as exc:  # SourceUnavailable and EngineUnavailable go up: retried later
            return Outcome(error=ReleaseError(step="source", reason=str(exc)))


def _live_commit(event: ReleaseEvent) -> str | None:
    """The commit live when the release was requested (the API's `live_commit`), if it is one: it goes to git."""
    live = event.details.get("live_commit")
    return live if isinstance(live, str) and FULL_SHA.fullmatch(live) else None
