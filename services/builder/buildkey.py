"""The build key: everything that decides what image a build makes, hashed into one label.

Two releases with the same key get the same image, so the second one reuses the first's instead of
building it again. The key names the inputs, never their secret values: build args are hashed with the
rest and only the digest is written into the image's labels.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

from services.shared.appspec import AppSpec

KEY_LABEL = "dev.greenlight.build-key"
APP_LABEL = "dev.greenlight.app"
REVISION_LABEL = "org.opencontainers.image.revision"
# Bump when the meaning of a key's fields (or how images are made from them) changes: old images no
# longer match, so they are rebuilt rather than wrongly reused.
KEY_VERSION = 1


@dataclass(frozen=True)
class BuildKey:
    app: str
    commit: str
    dockerfile: str
    dockerfile_sha256: str
    context: str
    build_args: tuple[tuple[str, str], ...]
    version: int = KEY_VERSION

    @cached_property  # asked three times a build; the key is frozen
    def digest(self) -> str:
        canonical = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def labels(self) -> dict[str, str]:
        """What goes into the image: derived from the key alone, so equal keys give equal images."""
        return {KEY_LABEL: self.digest, APP_LABEL: self.app, REVISION_LABEL: self.commit}


def build_key(app: str, commit: str, checkout: Path, spec: AppSpec, build_args: dict[str, str]) -> BuildKey:
    """The key of building `spec` at `commit` (checked out at `checkout`) with `build_args`."""
    dockerfile = (checkout / spec.dockerfile).read_bytes()
    return BuildKey(
        app=app, commit=commit, dockerfile=spec.dockerfile,
        dockerfile_sha256=hashlib.sha256(dockerfile).hexdigest(), context=spec.context,
        build_args=tuple(sorted(build_args.items())),
    )
