"""What the builder reads from a release before building: is the source safe, what does the spec say."""

from __future__ import annotations

import re
from pathlib import Path

from services.shared.appspec import SPEC_FILE, AppSpec, AppSpecError, parse_app_spec
from services.shared.release import SHA_RE, Release
from services.shared.sources import UnsafeSource, check_ref, check_repository

# Docker's repository path grammar; anything else would only fail later, less clearly, in the engine.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_NAME = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
MAX_SPEC_BYTES = 256 * 1024


def check_source(release: Release, *, allow_local: bool) -> None:
    """Refuse option injection, odd transports, local paths and non-SHA commits before git runs."""
    check_repository(release.repository, allow_local=allow_local)
    if not SHA_RE.match(release.commit):
        raise UnsafeSource(f"commit {release.commit!r} is not a full 40-character hex SHA")
    if release.ref is not None:
        check_ref(release.ref)


def read_spec(checkout: Path) -> AppSpec:
    path = checkout / SPEC_FILE
    if not path.exists():
        return parse_app_spec(None)
    if not path.is_file() or not path.resolve().is_relative_to(checkout.resolve()):
        raise AppSpecError(f"{SPEC_FILE} must be a regular file inside the repository")
    if path.stat().st_size > MAX_SPEC_BYTES:
        raise AppSpecError(f"{SPEC_FILE} is larger than {MAX_SPEC_BYTES} bytes")
    return parse_app_spec(path.read_text(errors="replace"))
