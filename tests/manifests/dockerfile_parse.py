"""A small Dockerfile reader: instructions with continuation lines joined and comments dropped."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def instructions(path: Path) -> list[Instruction]:
    result: list[Instruction] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # comments inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        result.append(Instruction(keyword.upper(), args.strip()))
    return result


def stages(path: Path) -> list[list[Instruction]]:
    """Instructions per build stage; anything before the first FROM (global ARGs) is stage -1's."""
    found: list[list[Instruction]] = [[]]
    for instruction in instructions(path):
        if instruction.keyword == "FROM":
            found.append([])
        found[-1].append(instruction)
    return found


def copy_sources(instruction: Instruction) -> list[str]:
    """Context paths a COPY/ADD reads (none when it copies from another stage)."""
    args = instruction.args
    if args.startswith("["):
        parts = json.loads(args)
    else:
        parts = shlex.split(args)
    if any(p.startswith("--from=") for p in parts):
        return []
    paths = [p for p in parts if not p.startswith("--")]
    return paths[:-1]
