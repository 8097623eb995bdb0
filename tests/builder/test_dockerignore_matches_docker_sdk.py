"""Our `.dockerignore` matcher (services.builder.ignore) answers exactly as the docker SDK's does.

Pins the semantics the builder had while it used `docker.utils.build.exclude_paths`: `*`, `?`, `[a-c]`,
`[!a]`, `**`, `!` exceptions (the last matching pattern wins, an ignored directory is still walked when
an exception may reach inside), leading and trailing `/`, `.`/`..` cleaning, case-insensitivity, a
pattern on a directory ignoring its children, the Dockerfile and `.dockerignore` always sent. The SDK
is the oracle: it stays a dependency of the project, so these compare both on the same trees and names.
Also pins the worst allowed pattern against the longest file name staying fast.
"""

from __future__ import annotations

import os
import random
import re
import time
import warnings
from pathlib import Path

import pytest
from docker.utils.build import exclude_paths
from docker.utils.fnmatch import fnmatch

from services.builder.ignore import MAX_PATTERN_CHARS, included_paths
from services.builder.ignore_glob import Glob, IgnoreFileError

FILES = [
    "Dockerfile", "app.py", "README.md", "a.txt", "b.txt", "c.txt", "d.txt", "Abc.TXT", "x?y", "bracket",
    "br[ack]et", "foo.py", "docs/index.md", "docs/img/logo.png", "src/main.py", "src/pkg/mod.py",
    "src/pkg/mod.pyc", "src/pkg/sub/deep.pyc", "logs/a.log", "logs/keep.log", "logs/old/b.log",
    "node_modules/lib/index.js", "node_modules/.bin/x", "build/out.o", "dir.d/x", ".env", "empty/.keep",
]

PATTERN_SETS = [
    ["*.md"], ["  *.md  "], ["**/*.pyc"], ["*.pyc"], ["logs/*", "!logs/keep.log"], ["logs", "!logs/keep.log"],
    ["logs", "! logs/keep.log"], ["logs/**/*.log"], ["/src/pkg"], ["src/pkg/"], ["//src//pkg//"],
    ["?.txt"], ["[a-c].txt"], ["[!a-c].txt"], ["ABC.txt"], ["[A-C]*"], ["**"], ["**", "!src/**"],
    ["**", "!src"], ["src/**/deep.pyc"], ["**/node_modules"], ["node_modules/**", "!node_modules/lib/index.js"],
    ["*", "!Dockerfile"], ["*", "!*.txt", "b.txt"], ["docs/*/logo.png"], ["./docs/../src", "x/../build"],
    ["../../docs"], ["foo.py/"], ["x[?]y"], ["br[ack]et"], ["br[[]ack]et"], ["!.dockerignore", ".dockerignore"],
    ["Dockerfile"], [".", "/", "!"], ["src", "!src/pkg", "src/pkg/*.pyc"], ["link"], ["link/*"], ["link/**"],
    ["*/*"], ["*/"], ["**/"], ["**/**/*.log"], ["**.log"], ["docs**"], [".*"], ["empty"], ["!empty"],
    ["src/pkg/sub", "!src/pkg/sub/deep.pyc"], ["*[", "[]"], ["[!]]*"], ["\\*"],
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "link").symlink_to("src")  # a link to a directory: listed, never walked into
    return tmp_path


@pytest.mark.filterwarnings("ignore::FutureWarning")  # re's "possible nested set" about the SDK's `[[`
@pytest.mark.parametrize("patterns", PATTERN_SETS, ids=lambda p: "|".join(p))
def test_the_same_paths_are_sent_as_with_the_docker_sdk(tree: Path, patterns: list[str]) -> None:
    (tree / ".dockerignore").write_text("\n".join(patterns) + "\n")
    expected = exclude_paths(str(tree), list(patterns), dockerfile="Dockerfile")
    assert included_paths(str(tree), list(patterns), "Dockerfile") == expected


NAMES = ["a", "A", "ab", "a/b", "a/b/c", "abc", "b", "a\n", "a\nb", "a/\n/b", "/a", "a/", "-", "^", "\\",
         "]", "[", "a.b", "x/y/z.log", "a]b", "a-b", ""]
GLOBS = ["a", "A", "*", "?", "a*", "*b", "a?", "a*c", "*/*", "**", "**/b", "a/**", "a**", "**b", "a/**/c",
         "a/**/b/**", "[a-c]", "[!a]", "[]a]", "[!]a]", "[a-]", "[-a]", "[\\]", "[^a]", "[/]", "a[/]b",
         "[!b]/b", "[", "a[", "[!", "[]", "*a*", "***", "**/**", "?/?", "a\\b", ".", "*.log", "x/**/*.log",
         "a\n", "*\n*"]


@pytest.mark.parametrize("pattern", GLOBS)
def test_each_name_matches_as_with_the_docker_sdk(pattern: str) -> None:
    glob = Glob(pattern)
    for name in NAMES:
        assert glob.match(name) == fnmatch(name, pattern), (pattern, name)


def test_random_patterns_and_names_match_as_with_the_docker_sdk() -> None:
    """Seeded, so the same cases every run: names built from their patterns, so many of them match."""
    rng = random.Random(20240611)
    tokens = ["a", "b", "A", "/", "*", "?", "**", "**/", "[a-c]", "[!a]", "[]a]", "[/]", "\n", "[", "-", "\\"]
    fillers = {"*": "ab/\n", "?": "ab/\n", "**": "ab/\n", "**/": "ab/\n"}
    matched = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # re's "possible nested set" about `[[`
        for _ in range(5_000):
            chosen = [rng.choice(tokens) for _ in range(rng.randint(0, 7))]
            name = "".join("".join(rng.choice(fillers[t]) for _ in range(rng.randint(0, 3))) if t in fillers
                           else rng.choice("abc]/") if t.startswith("[") else t for t in chosen)
            pattern = "".join(chosen)
            try:
                expected: bool | None = fnmatch(name, pattern)
            except re.error:
                expected = None
            try:
                got: bool | None = Glob(pattern).match(name)
            except IgnoreFileError:
                got = None
            assert got == expected, (pattern, name)
            matched += bool(expected)
    assert matched > 500  # the comparison exercised matches, not only misses


def test_a_reversed_range_is_refused_where_the_sdk_raised() -> None:
    with pytest.raises(re.error):
        fnmatch("b", "[c-a]")
    with pytest.raises(IgnoreFileError, match="bad character range c-a"):
        Glob("[c-a]")


def test_the_worst_allowed_pattern_is_fast_on_the_longest_name() -> None:
    pattern = ("*a" * MAX_PATTERN_CHARS)[:MAX_PATTERN_CHARS - 2] + "*b"
    name = "/".join(["a" * 255] * 16)  # segments at NAME_MAX, the whole near PATH_MAX
    started = time.monotonic()
    assert not Glob(pattern).match(name)
    assert Glob(pattern).match(name[:-1] + "b") is False  # `*` stops at "/": as the SDK's `[^/]*`
    assert Glob(pattern.replace("*", "**")).match(name[:-1] + "b")
    elapsed = time.monotonic() - started
    assert elapsed < 1, f"{elapsed:.1f}s"


def test_a_directory_link_is_not_walked(tree: Path) -> None:
    assert "link" in included_paths(str(tree), [], "Dockerfile")
    assert not any(path.startswith("link/") for path in included_paths(str(tree), [], "Dockerfile"))
    assert os.path.isdir(tree / "link")
