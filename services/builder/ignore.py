"""Applying a repository's `.dockerignore` to a build context as `docker build` does: the paths it sends.

Each pattern is matched by ignore_glob.py's Glob, in time linear in pattern x path. The number and length of the
patterns (check_patterns) and the steps of applying them all (MAX_STEPS) are bounded: a hostile `.dockerignore`
fails its build instead of holding the builder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from services.builder.ignore_glob import MAX_STEPS, Glob, IgnoreFileError

MAX_PATTERNS = 1_000
MAX_PATTERN_CHARS = 1_024


def _split(p: str) -> list[str]:
    return [part for part in p.split("/") if part and part != "."]


class _Pattern:
    def __init__(self, text: str, budget: list[int]) -> None:
        self.exclusion = text.startswith("!")
        dirs, i = _split((text[1:] if self.exclusion else text).strip()), 0
        while i < len(dirs):  # ".." drops itself and what precedes it, as the SDK's Pattern.normalize
            if dirs[i] == "..":
                del dirs[max(i - 1, 0):i + 1]
                i = max(i - 1, 0)
            else:
                i += 1
        self.dirs, self.cleaned = dirs, "/".join(dirs)
        self.glob = Glob(self.cleaned, budget)


def check_patterns(patterns: list[str]) -> None:
    """Refuse a `.dockerignore` too big to apply: the work is patterns x paths x pattern length."""
    if len(patterns) > MAX_PATTERNS:
        raise IgnoreFileError(f".dockerignore has {len(patterns)} patterns, more than the {MAX_PATTERNS} allowed")
    if too_long := next((p for p in patterns if len(p) > MAX_PATTERN_CHARS), None):
        raise IgnoreFileError(
            f".dockerignore pattern {too_long[:40]!r}... is longer than the {MAX_PATTERN_CHARS} characters allowed")


def included_paths(root: str, patterns: list[str], dockerfile: str) -> set[str]:
    """The SDK's `exclude_paths(root, patterns, dockerfile)`: the paths under `root` not ignored.

    Raises IgnoreFileError for a pattern with a reversed range (`[z-a]`), where the SDK's `re` raised,
    and when matching would take more than MAX_STEPS steps."""
    budget = [MAX_STEPS]
    compiled = [p for t in [*patterns, f"!{dockerfile}", "!.dockerignore"] if (p := _Pattern(t, budget)).dirs]
    return set(_walk(root, compiled))


def _ignored(patterns: list[_Pattern], path: str) -> bool:
    parent_dirs = _split(os.path.dirname(path))
    for pattern in reversed(patterns):  # the last pattern that matches decides
        if pattern.glob.match(path) or (0 < len(pattern.dirs) <= len(parent_dirs) and pattern.glob.match(
                "/".join(parent_dirs[:len(pattern.dirs)]))):
            return not pattern.exclusion
    return False


def _walk(root: str, patterns: list[_Pattern]) -> Iterator[str]:
    pending = [""]
    while pending:
        relative = pending.pop()
        for name in os.listdir(os.path.join(root, relative)):
            path = f"{relative}/{name}" if relative else name
            ignored = _ignored(patterns, path)
            if not ignored:
                yield path
            full = os.path.join(root, path)
            if not os.path.isdir(full) or os.path.islink(full):
                continue
            # An ignored directory is still walked when an exception pattern (`!dir/file`) may reach inside.
            if not ignored or any(p.exclusion and p.cleaned.startswith(path) for p in patterns):
                pending.append(path)
