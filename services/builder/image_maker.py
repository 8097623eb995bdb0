"""An app's image for a release: reused when the engine or the target registry already holds one with this build key
(whichever release built it), else built from the checkout's context, the engine's output reported as progress
with the operator's build args masked."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import structlog
from prometheus_client import CollectorRegistry, Histogram

from services.builder.buildkey import KEY_LABEL, BuildKey
from services.builder.checkouts import SourceFetcher
from services.builder.context import ContextError, make_context
from services.builder.image_builds import BuildEngine, BuildFailed, BuildRequest
from services.builder.outcome import Outcome
from services.builder.settings import BuilderSettings
from services.builder.stage_images import BUILD_STEP, StageImages
from services.shared.appspec import AppSpec
from services.shared.progress import ProgressReporter, redact
from services.shared.registry.lookup import ImageLookup
from services.shared.release import LintFinding, Release, ReleaseError

log = structlog.get_logger(__name__)


class ImageMaker:
    def __init__(self, settings: BuilderSettings, source: SourceFetcher, engine: BuildEngine,
                 lookup: ImageLookup | None, metrics: CollectorRegistry, secrets: tuple[str, ...]) -> None:
        self.settings = settings
        self.source = source
        self.engine = engine
        self.lookup = lookup
        self._secrets = secrets
        self.build_seconds = Histogram("greenlight_builder_build_seconds", "engine build time",
                                       registry=metrics, buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800))

    async def make(self, release: Release, checkout: Path, spec: AppSpec, lint: tuple[LintFinding, ...], image: str,
                     dockerfile: bytes, tag: str, key: BuildKey, progress: ProgressReporter) -> Outcome:
        """Reused (from the engine, else the registry) or built."""
        labels = await self.engine.image_labels(tag)
        if labels is not None and labels.get(KEY_LABEL) == key.digest:
            log.info("image with this build key exists; not rebuilding", image=tag, build_key=key.digest)
            await progress.report(f"reused image {tag}")
            return Outcome(spec=spec, lint=lint, image=tag, reused=True, build_key=key.digest,
                           note=f"reused image {tag} (build key {key.digest[:19]})")
        if self.lookup is not None and (found := await self.lookup.find(image, release.commit, KEY_LABEL,
                                                                        key.digest)):
            log.info("the registry holds an image with this build key; not building", image=found.image)
            await progress.report(f"reused image {found.tagged} from the registry")
            return Outcome(spec=spec, lint=lint, image=found.image, digest=found.digest, reused=True,
                           build_key=key.digest,
                           note=f"reused image {found.image} from the registry (build key {key.digest[:19]})")
        try:
            return await self._build(release, checkout, spec, lint, dockerfile, tag, key, progress)
        except (ContextError, BuildFailed) as exc:
            # What a RUN printed (`echo $TOKEN` expanded) reaches the release, which its readers see.
            tail = redact(exc.log_tail, self._secrets) if isinstance(exc, BuildFailed) else None
            error = ReleaseError(step="build", reason=redact(str(exc), self._secrets), log_tail=tail)
            return Outcome(spec=spec, lint=lint, error=error)

    async def _build(self, release: Release, checkout: Path, spec: AppSpec, lint: tuple[LintFinding, ...],
                     dockerfile_bytes: bytes, tag: str, key: BuildKey, progress: ProgressReporter) -> Outcome:
        archive, dockerfile = await asyncio.to_thread(make_context, checkout, spec, dockerfile_bytes,
                                                      self.settings.max_context_bytes)
        request = BuildRequest(
            tag=tag, dockerfile=dockerfile, labels=key.labels(), build_args=dict(key.build_args),
            source_date_epoch=await self.source.commit_time(checkout), release_id=release.id,
        )

        stages = StageImages()

        async def on_output(line: str) -> None:
            stages.feed(line)
            line = redact(line, self._secrets)
            log.info("build output", line=line)
            if step := BUILD_STEP.match(line):
                await progress.report(line, int(step["n"]), int(step["of"]))

        started = time.monotonic()
        with archive:
            log.info("building", image=tag, dockerfile=dockerfile)
            image_id = await self.engine.build(archive, request, on_output)
        self.build_seconds.observe(time.monotonic() - started)
        log.info("built", image=tag, image_id=image_id, seconds=round(time.monotonic() - started, 2))
        return Outcome(spec=spec, lint=lint, image=tag, image_id=image_id, build_key=key.digest,
                       stage_images=stages.ended)
