"""A repository's `.dockerignore` is read up to a bound, never whole into memory.

What was wrong: `sent_paths` read the file with `read_text()` and split it into a list of lines before
anything counted it. A pattern count and a pattern length are checked, but only after that. git packs a
file of repeated short lines to almost nothing (400 MB of `ab\\n` is a few MB in a pack), the repository
size limit (512 MiB by default) admits it, and Python then holds one string object per line: about 60
bytes for each three-byte line, some 8 GB for that file. The builder's process is killed by the kernel,
with every other release it was building, and the redelivered request kills the next one too.

Measured on the old code with a 4 MB file: 85 MB of Python allocations at the peak (tracemalloc) before
the pattern count refused it. A `.dockerignore` larger than anything the pattern limits allow now fails
the build with its size as the reason, having read no more than the bound.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from services.builder.context import MAX_IGNORE_BYTES, ContextError, make_context
from services.shared.appspec import AppSpec


def test_a_huge_dockerignore_fails_without_being_read_whole(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / ".dockerignore").write_bytes(b"ab\n" * 1_400_000)  # 4.2 MB, 1.4 million lines
    tracemalloc.start()
    try:
        with pytest.raises(ContextError, match=rf"\.dockerignore is larger than {MAX_IGNORE_BYTES} bytes"):
            make_context(tmp_path, AppSpec(), b"FROM scratch\n", 100 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_IGNORE_BYTES, f"reading the .dockerignore allocated {peak / 1e6:.0f} MB"


def test_the_largest_dockerignore_the_pattern_limits_allow_is_still_read(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "kept").write_text("x")
    longest = ["x" * 1_023 + f"{n:04d}"[-1] for n in range(1_000)]  # 1,000 patterns of 1,024 characters
    comments = ["# why these are ignored"] * 1_000
    (tmp_path / ".dockerignore").write_text("\n".join(comments + longest) + "\n")
    archive, _ = make_context(tmp_path, AppSpec(), b"FROM scratch\n", 100 * 1024 * 1024)
    archive.close()
