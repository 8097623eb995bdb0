"""hadolint finds nothing — at any level, style included — in any Dockerfile under Dockerfiles/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.manifests.repo_files import DOCKERFILES, run, venv_tool


def dockerfiles() -> list[Path]:
    return sorted({*DOCKERFILES.glob("*.Dockerfile"), *DOCKERFILES.glob("Dockerfile*")})


def lint(path: Path) -> list[dict]:
    done = run(venv_tool("hadolint"), "--no-color", "-f", "json", str(path))
    findings: list[dict] = json.loads(done.stdout or "[]")
    assert done.returncode == 0 or findings, done.stderr  # a crash is not a clean result
    return findings


def test_the_service_dockerfile_is_among_them() -> None:
    assert DOCKERFILES / "service.Dockerfile" in dockerfiles()


@pytest.mark.parametrize("path", dockerfiles(), ids=lambda p: p.name)
def test_no_findings(path: Path) -> None:
    findings = lint(path)
    assert findings == [], "\n".join(f"{f['line']}: {f['code']} {f['level']}: {f['message']}" for f in findings)


def test_hadolint_reports_a_bad_dockerfile(tmp_path: Path) -> None:
    # Guards the test above: an unpinned apt-get install without cleanup must be reported.
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM debian\nRUN apt-get update && apt-get install -y git\n")
    codes = {f["code"] for f in lint(bad)}
    assert {"DL3006", "DL3008", "DL3009", "DL3015"} <= codes
