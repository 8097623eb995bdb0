"""What a release's checkout becomes: its spec read, its Dockerfile linted and judged, then its image made or reused."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from services.builder.buildkey import build_key
from services.builder.image_maker import ImageMaker
from services.builder.inputs import IMAGE_NAME, read_inputs
from services.builder.lint import Linter, LintError
from services.builder.lint_policy import judged
from services.builder.outcome import Outcome
from services.builder.retention import ImageRetention
from services.builder.settings import BuilderSettings
from services.shared.appspec import AppSpec, AppSpecError
from services.shared.progress import ProgressReporter
from services.shared.release import LintFinding, Release, ReleaseError


class CheckoutBuild:
    """The steps after the clone, each failing into an Outcome that names the step (spec, lint) it stopped at."""

    def __init__(self, settings: BuilderSettings, linter: Linter, images: ImageMaker,
                 retention: ImageRetention | None) -> None:
        self.settings = settings
        self.linter = linter
        self.images = images
        self.retention = retention

    async def __call__(self, release: Release, checkout: Path, progress: ProgressReporter) -> Outcome:
        try:  # in a thread: PyYAML's loader is pure Python, and a greenlight.yaml of 256 KiB took it seconds
            spec, dockerfile, rules = await asyncio.to_thread(read_inputs, checkout)
        except AppSpecError as exc:
            return Outcome(error=ReleaseError(step="spec", reason=str(exc)))
        image = spec.image_name(release.app)
        if not IMAGE_NAME.match(image):
            return Outcome(spec=spec, error=ReleaseError(
                step="spec", reason=f"image name {image!r} is not a valid repository name"))
        if (foreign := spec.foreign_image(release.app)) is not None:
            return Outcome(spec=spec, error=ReleaseError(step="spec", reason=foreign))
        if isinstance(dockerfile, AppSpecError):
            return Outcome(spec=spec, error=ReleaseError(step="lint", reason=str(dockerfile)))
        try:
            findings = await self.linter.lint(dockerfile, spec.dockerfile)
        except LintError as exc:
            return Outcome(spec=spec, error=ReleaseError(step="lint", reason=str(exc)))
        verdict = judged(findings, self.settings, rules)
        outcome = await self._after_lint(release, checkout, spec, image, dockerfile, verdict.kept,
                                         verdict.blocking, progress)
        return dataclasses.replace(outcome, lint_details=verdict.details)

    async def _after_lint(self, release: Release, checkout: Path, spec: AppSpec, image: str, dockerfile: bytes,
                          lint: tuple[LintFinding, ...], blocking: tuple[LintFinding, ...],
                          progress: ProgressReporter) -> Outcome:
        if blocking:
            listed = "; ".join(f"{f.code} line {f.line}: {f.message}" for f in blocking[:10])
            reason = f"{len(blocking)} lint finding(s) at or above {self.settings.lint_threshold}: {listed}"
            return Outcome(spec=spec, lint=lint, error=ReleaseError(step="lint", reason=reason))
        # The app's own build args win over the operator's defaults.
        key = build_key(release.app, release.commit, checkout, spec, {**self.settings.build_args, **spec.build_args})
        tag = f"{self.settings.registry}/{image}:{release.commit}"
        if self.retention is None:
            return await self.images.make(release, checkout, spec, lint, image, dockerfile, tag, key, progress)
        # A concurrent build's pruning leaves this tag's image alone until it is the newest one (used).
        with self.retention.working_on(tag):
            outcome = await self.images.make(release, checkout, spec, lint, image, dockerfile, tag, key, progress)
            if outcome.error is None and outcome.image is not None:
                self.retention.used(release.app, outcome.image)
            return outcome
