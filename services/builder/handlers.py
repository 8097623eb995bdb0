"""`requested` → `building` → `built` | `failed`: source checks, clone, spec, lint, build."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram

from services.builder.commits import recent_commits
from services.builder.context import ContextError, make_context
from services.builder.engine import BuildEngine, BuildFailed, BuildRequest
from services.builder.inputs import IMAGE_NAME, check_source, read_spec
from services.builder.lint import Linter, at_or_above
from services.builder.settings import BuilderSettings
from services.builder.source import SourceError, SourceFetcher
from services.shared.appspec import AppSpec, AppSpecError
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.locks import KeyedLocks
from services.shared.protocol import ReleaseState as S
from services.shared.release import LintFinding, Release, ReleaseError
from services.shared.sources import UnsafeSource

log = structlog.get_logger(__name__)
ACTOR = "builder"
RELEASE_LABEL = "greenlight.release-id"


@dataclass(frozen=True)
class Outcome:
    """What the build step found: `error` set means failed, else built."""

    spec: AppSpec | None = None
    lint: tuple[LintFinding, ...] = ()
    image: str | None = None
    image_id: str | None = None
    reused: bool = False
    error: ReleaseError | None = None
    commits: tuple[dict[str, Any], ...] = ()  # services/builder/commits.py

    def event(self, building: ReleaseEvent) -> ReleaseEvent:
        details: dict[str, Any] = {"lint": [f.model_dump() for f in self.lint]}
        changes: dict[str, Any] = {"lint": self.lint}
        if self.spec is not None:
            changes["spec"] = self.spec
        if self.error is not None:
            details.update(step=self.error.step, reason=self.error.reason)
            return building.next(S.FAILED, actor=ACTOR, details=details, error=self.error, **changes)
        details.update(image=self.image, image_id=self.image_id, reused=self.reused, commits=list(self.commits))
        return building.next(S.BUILT, actor=ACTOR, details=details, image=self.image, **changes)


class BuildHandler:
    """Idempotent: the image is tagged `<registry>/<image>:<commit>` and labelled with the release id.
    Before building, the tag is inspected; if it exists with this release's label the build is skipped
    and the same `built` event (same seq, so the same message id) is re-emitted. Clone, spec and lint
    are read-only and deterministic for a commit, so repeating them re-derives the same event content.
    A release whose image is half-built (builder killed mid-build) has no tag yet and is built again."""

    def __init__(self, settings: BuilderSettings, source: SourceFetcher, linter: Linter,
                 engine: BuildEngine, metrics: CollectorRegistry) -> None:
        self.settings = settings
        self.source = source
        self.linter = linter
        self.engine = engine
        self.locks = KeyedLocks()
        self.outcomes = Counter("greenlight_builder_releases", "releases handled by outcome", ["outcome"],
                                registry=metrics)
        self.build_seconds = Histogram("greenlight_builder_build_seconds", "engine build time",
                                       registry=metrics, buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800))

    async def __call__(self, event: ReleaseEvent, bus: Bus) -> None:
        release = event.release
        try:
            check_source(release, allow_local=self.settings.allow_local_repos)
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
        async with self.locks.hold(release.id):
            outcome = await self._produce(release)
        self.outcomes.labels("failed" if outcome.error else "reused" if outcome.reused else "built").inc()
        await bus.publish(outcome.event(building))

    async def _produce(self, release: Release) -> Outcome:
        try:
            async with self.source.checkout(release.repository, release.commit) as checkout:
                outcome = await self._from_checkout(release, checkout)
                if outcome.error is not None:
                    return outcome
                commits = await recent_commits(checkout, binary=self.settings.git_binary)
                return dataclasses.replace(outcome, commits=tuple(commits))
        except SourceError as exc:  # SourceUnavailable and EngineUnavailable go up: retried later
            return Outcome(error=ReleaseError(step="source", reason=str(exc)))

    async def _from_checkout(self, release: Release, checkout: Path) -> Outcome:
        try:
            spec = read_spec(checkout)
        except AppSpecError as exc:
            return Outcome(error=ReleaseError(step="spec", reason=str(exc)))
        image = spec.image_name(release.app)
        if not IMAGE_NAME.match(image):
            return Outcome(spec=spec, error=ReleaseError(
                step="spec", reason=f"image name {image!r} is not a valid repository name"))
        if not (checkout / spec.dockerfile).is_file():
            return Outcome(spec=spec, error=ReleaseError(
                step="lint", reason=f"Dockerfile {spec.dockerfile!r} not found in the repository"))
        lint = tuple(await self.linter.lint(checkout, spec.dockerfile))
        blocking = [f for f in lint if at_or_above(f, self.settings.lint_threshold)]
        if blocking:
            listed = "; ".join(f"{f.code} line {f.line}: {f.message}" for f in blocking[:10])
            reason = f"{len(blocking)} lint finding(s) at or above {self.settings.lint_threshold}: {listed}"
            return Outcome(spec=spec, lint=lint, error=ReleaseError(step="lint", reason=reason))
        tag = f"{self.settings.registry}/{image}:{release.commit}"
        labels = await self.engine.image_labels(tag)
        if labels is not None and labels.get(RELEASE_LABEL) == release.id:
            log.info("image already built for this release; not rebuilding", image=tag)
            return Outcome(spec=spec, lint=lint, image=tag, reused=True)
        try:
            return await self._build(release, checkout, spec, lint, tag)
        except (ContextError, BuildFailed) as exc:
            tail = exc.log_tail if isinstance(exc, BuildFailed) else None
            error = ReleaseError(step="build", reason=str(exc), log_tail=tail)
            return Outcome(spec=spec, lint=lint, error=error)

    async def _build(self, release: Release, checkout: Path, spec: AppSpec, lint: tuple[LintFinding, ...],
                     tag: str) -> Outcome:
        archive, dockerfile = await asyncio.to_thread(make_context, checkout, spec,
                                                      self.settings.max_context_bytes)
        request = BuildRequest(
            tag=tag, dockerfile=dockerfile,
            labels={RELEASE_LABEL: release.id, "org.opencontainers.image.revision": release.commit,
                    "org.opencontainers.image.source": release.repository},
            # The app's own build args win over the operator's defaults.
            build_args={**self.settings.build_args, **spec.build_args},
        )
        started = time.monotonic()
        with archive:
            log.info("building", image=tag, dockerfile=dockerfile)
            image_id = await self.engine.build(archive, request)
        self.build_seconds.observe(time.monotonic() - started)
        log.info("built", image=tag, image_id=image_id, seconds=round(time.monotonic() - started, 2))
        return Outcome(spec=spec, lint=lint, image=tag, image_id=image_id)
