"""What the build step found, and the event that says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from services.shared.appspec import AppSpec
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import LintFinding, Release, ReleaseError

log = structlog.get_logger(__name__)
ACTOR = "builder"


@dataclass(frozen=True)
class Outcome:
    """What the build step found: `error` set means failed, else built."""

    spec: AppSpec | None = None
    lint: tuple[LintFinding, ...] = ()
    image: str | None = None
    image_id: str | None = None
    stage_images: tuple[str, ...] | None = None  # a build's stages' own images (stage_images.py); None: no build ran
    digest: str | None = None  # set when the image was found in the target registry: nothing to push
    reused: bool = False
    build_key: str | None = None
    note: str | None = None
    error: ReleaseError | None = None
    commits: tuple[dict[str, Any], ...] = ()  # services/builder/commits.py
    shipped: dict[str, Any] | None = None  # services/builder/shipped.py
    lint_details: dict[str, Any] = field(default_factory=dict)  # the policy applied, what it set aside

    def event(self, building: ReleaseEvent) -> ReleaseEvent:
        details: dict[str, Any] = {"lint": [f.model_dump() for f in self.lint], **self.lint_details}
        changes: dict[str, Any] = {"lint": self.lint}
        if self.spec is not None:
            changes["spec"] = self.spec
        if self.error is not None:
            details.update(step=self.error.step, reason=self.error.reason)
            return building.next(S.FAILED, actor=ACTOR, details=details, error=self.error, **changes)
        details.update(image=self.image, image_id=self.image_id, reused=self.reused, build_key=self.build_key,
                       commits=list(self.commits))
        if self.shipped is not None:
            details["shipped"] = self.shipped
        if self.note:
            details["note"] = self.note
        if self.digest is not None:
            changes["digest"] = self.digest
        return building.next(S.BUILT, actor=ACTOR, details=details, image=self.image, **changes)


def prebuilt(release: Release, spec: AppSpec) -> Outcome:
    if (foreign := spec.foreign_image(release.app)) is not None:  # the pusher refuses it too; here it fails sooner
        return Outcome(spec=spec, error=ReleaseError(step="spec", reason=foreign))
    log.info("release names an existing image; not building", image=release.image)
    return Outcome(spec=spec, image=release.image, reused=True, note=f"reused image {release.image}")
