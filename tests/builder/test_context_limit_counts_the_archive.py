"""The build context limit bounds what is sent to the engine: the archive, headers and all.

What was wrong: `make_context` charged each member only its content size against
GREENLIGHT_BUILDER_MAX_CONTEXT_BYTES, so an empty file or a directory cost nothing, while the tar gives
each one header blocks (1.5 kB each as Python writes them). A hostile repository of many empty files,
a pack of a few MB, passed any limit: 100,000 of them made a 154 MB archive under a 1 MB limit (and
9 s of the builder's CPU); at the default 512 MiB limit, a million made a 1.5 GB archive, spooled to
the builder's disk and unpacked by the engine. The limit now counts the archive's own bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.builder.context import ContextError, make_context
from services.shared.appspec import AppSpec

LIMIT = 1_000_000
DOCKERFILE = b"FROM scratch\n"


def empty_files(root: Path, count: int) -> None:
    (root / "Dockerfile").write_bytes(DOCKERFILE)
    for n in range(count):
        (root / f"f{n}").touch()


def test_many_empty_files_are_refused_past_the_limit(tmp_path: Path) -> None:
    empty_files(tmp_path, 3_000)  # no content at all, yet a 4.6 MB archive
    with pytest.raises(ContextError, match=f"build context is larger than the {LIMIT} byte limit"):
        make_context(tmp_path, AppSpec(), DOCKERFILE, LIMIT)


def test_an_archive_that_is_sent_is_within_the_limit(tmp_path: Path) -> None:
    empty_files(tmp_path, 400)
    (tmp_path / "data.bin").write_bytes(b"x" * 300_000)
    archive, _ = make_context(tmp_path, AppSpec(), DOCKERFILE, LIMIT)
    with archive:
        assert archive.seek(0, 2) <= LIMIT
