"""What the builder reads from a release before building: is the source safe, what does the spec say."""

from __future__ import annotations

import re
from pathlib import Path

from services.builder.contained import OutsideRepository, read_inside
from services.builder.lint_policy import repository_rules
from services.shared.appspec import SPEC_FILE, AppSpec, AppSpecError, parse_app_spec
from services.shared.release import SHA_RE, Release
from services.shared.repo_policy import RepositoryPolicy
from services.shared.sources import UnsafeSource, check_ref, check_repository

# Docker's repository path grammar; anything else would only fail later, less clearly, in the engine.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_NAME = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
MAX_SPEC_BYTES = 256 * 1024
MAX_DOCKERFILE_BYTES = 1024 * 1024


def check_source(release: Release, *, allow_local: bool, policy: RepositoryPolicy | None = None) -> None:
    """Refuse option injection, odd transports, hosts outside the policy, local paths and non-SHA commits
    before git runs (the host's resolved addresses are checked when git is about to connect)."""
    check_repository(release.repository, allow_local=allow_local, policy=policy)
    if not SHA_RE.match(release.commit):
        raise UnsafeSource(f"commit {release.commit!r} is not a full 40-character hex SHA")
    if release.ref is not None:
        check_ref(release.ref)


def read_spec(checkout: Path) -> AppSpec:
    try:
        raw = read_inside(checkout, SPEC_FILE, MAX_SPEC_BYTES)
    except OutsideRepository as exc:
        raise AppSpecError(f"{SPEC_FILE} must be a regular file inside the repository: {exc}") from None
    except ValueError as exc:
        raise AppSpecError(f"{SPEC_FILE} must be a regular file inside the repository: {exc}") from None
    return parse_app_spec(None if raw is None else raw.decode(errors="replace"))


def read_dockerfile(checkout: Path, spec: AppSpec) -> bytes:
    """The Dockerfile's bytes, read once: hadolint and the engine both get these, never the path."""
    try:
        raw = read_inside(checkout, spec.dockerfile, MAX_DOCKERFILE_BYTES)
    except (OutsideRepository, ValueError) as exc:
        raise AppSpecError(f"Dockerfile {exc}") from None
    if raw is None:
        raise AppSpecError(f"Dockerfile {spec.dockerfile!r} not found in the repository")
    return raw


def read_inputs(checkout: Path) -> tuple[AppSpec, bytes | AppSpecError, tuple[str, list[str]]]:
    """What the build reads of the clone, in one trip off the event loop (each trip waits for a thread and the GIL):
    greenlight.yaml (its errors raised: the `spec` step's), the Dockerfile (its error returned: the `lint` step's)
    and the repository's `.hadolint.yaml` rules."""
    spec = read_spec(checkout)
    try:
        dockerfile: bytes | AppSpecError = read_dockerfile(checkout, spec)
    except AppSpecError as exc:
        dockerfile = exc
    return spec, dockerfile, repository_rules(checkout)
