"""What a fresh Python process loads: the start-up tests' probe (tests/cli, tests/shared). Run in a process of its own,
since this one has loaded everything already."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterable, Mapping


def plain_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any GREENLIGHT_* or KUBE* setting of the shell, plus `settings`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("GREENLIGHT_", "KUBE"))}
    return {**kept, **settings}


async def loaded_by(statements: str, env: Mapping[str, str]) -> list[str]:
    """The modules loaded once `statements` have run in a new interpreter."""
    probe = f"{statements}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", probe, env=dict(env),
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, f"the probe failed:\n{err.decode()[-1500:]}"
    modules: list[str] = json.loads(out.decode().strip().splitlines()[-1])
    return modules


def under(modules: Iterable[str], tops: Iterable[str]) -> list[str]:
    """The modules that are one of `tops` (a module or a package) or inside one."""
    tops = tuple(tops)
    return [m for m in modules if any(m == top or m.startswith(f"{top}.") for top in tops)]
