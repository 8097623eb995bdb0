"""A Dockerfile's RUN `--mount`s that the engine would resolve outside the build, refused before it gets them.

A mount is resolved by the engine on its own host, as the engine's user (root for a rootful podman). podman before
5.2.4 (buildah 1.37.4) joined a cache mount's `id` to its cache directory unchecked (CVE-2024-9675:
`--mount=type=cache,target=/x,id=a/../../../etc` is the host's /etc, writable) and followed a symlink in the files of
a `from=` stage or image on the host (CVE-2024-1753: a stage's `ln -s / /r`, then `from=stage,source=/r` is the host's
/). A variable (`$ARG`) is expanded there too, and continuation lines are joined first, so both are read as the
engine's parser reads them; where the two readings could differ, this one sees more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_MOUNT_PATHS = frozenset({"id", "source", "src", "target", "dst", "destination"})
# A cache's directory on the engine's host is its `id` (else its `target`) joined to the cache root, links followed:
# a build may leave a link in one cache (`ln -s / /c/host`) that a path of more than one word then follows (the
# same or a later build's `id=c/host`: the host's /, writable). One word, not `.`, stays a directory of the root.
_CACHE_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_DIRECTIVE = re.compile(r"#\s*([A-Za-z]+)\s*=\s*(\S*)\s*$")


class MountRefused(ValueError):
    """A RUN --mount the builder will not hand the engine; the message says which and why."""


def check_mounts(dockerfile: bytes) -> None:
    """Refuse a RUN `--mount` the engine could resolve outside the build: one naming another stage or image
    (`from=`), one whose paths climb (`..`), and one holding a variable (`$`), which could hold either."""
    for instruction in _instructions(dockerfile.decode(errors="replace")):
        words = instruction.split(None, 1)
        if words and words[0].upper() == "ONBUILD":
            words = words[1].split(None, 1) if len(words) > 1 else []
        if len(words) < 2 or words[0].upper() != "RUN":
            continue
        for flag in _leading_flags(words[1]):
            name, _, value = flag.partition("=")
            if name.lower() != "--mount":
                continue
            fields = dict(f.partition("=")[::2] for f in value.split(","))
            keys = {k.strip().lower(): v for k, v in fields.items()}
            if "$" in value or "from" in keys or any(".." in keys[k].split("/") for k in _MOUNT_PATHS & set(keys)):
                raise MountRefused(f"RUN --mount={value[:200]} is refused: a mount may not name another stage or "
                                   "image (from=), climb with '..' or use a variable (COPY --from instead)")
            cache = keys.get("id") or keys.get("target") or keys.get("dst") or keys.get("destination") or ""
            if keys.get("type", "").strip().lower() == "cache" and not _CACHE_WORD.fullmatch(cache.strip("/")):
                raise MountRefused(f"RUN --mount={value[:200]} is refused: a cache mount needs an id of one word "
                                   "(letters, digits, '.', '_', '-'; e.g. id=pip): a longer path could follow a link "
                                   "a build left in a cache, on the engine's host")


def _instructions(text: str) -> Iterator[str]:
    """The Dockerfile's instructions, continuation lines joined, as the engine's parser reads them."""
    escape, lines, directives = "\\", text.split("\n"), True
    held: list[str] = []
    for line in (raw.removesuffix("\r") for raw in lines):
        if directives and (directive := _DIRECTIVE.match(line.strip())):
            if directive[1].lower() == "escape" and directive[2] == "`":
                escape = "`"
            continue
        directives = False
        if line.lstrip().startswith("#") or not line.strip():
            continue  # a comment or a blank line, also between continued lines
        # A continued line's indentation is dropped: read as one word with what precedes it, never as a new one.
        line = line.lstrip() if held else line
        if line.rstrip().endswith(escape):
            held.append(line.rstrip()[:-1])
            continue
        yield "".join([*held, line])
        held = []
    if held:
        yield "".join(held)


def _leading_flags(arguments: str) -> list[str]:
    """An instruction's `--flag[=value]` words before its command, quotes and escapes undone."""
    flags, at = [], 0
    while arguments.startswith("--", at):
        word, quote = [], ""
        while at < len(arguments) and (quote or not arguments[at].isspace()):
            char = arguments[at]
            if char == "\\" and at + 1 < len(arguments):
                at += 1
                word.append(arguments[at])
            elif quote and char == quote:
                quote = ""
            elif not quote and char in "\"'":
                quote = char
            else:
                word.append(char)
            at += 1
        flags.append("".join(word))
        while at < len(arguments) and arguments[at].isspace():
            at += 1
    return flags
