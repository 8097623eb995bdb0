"""The lint gate is the operator's: a repository cannot switch it off, and what was set aside is recorded."""

from __future__ import annotations

from pathlib import Path

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import CLEAN_DOCKERFILE, app_files, make_repo
from tests.infra import EventTap

BOTH = CLEAN_DOCKERFILE + "MAINTAINER someone@example.org\nWORKDIR relative\n"  # DL4000 + DL3000
REPO_CONFIG = "ignored: [DL4000, DL3000]\n"


async def test_the_repositorys_hadolint_config_cannot_switch_off_the_gate(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(BOTH, **{".hadolint.yaml": REPO_CONFIG}))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED and failed.release.error is not None
    assert {"DL4000", "DL3000"} <= {f.code for f in failed.release.lint}
    policy = failed.details["lint_policy"]
    assert policy["repository_config"] == "not allowed"
    assert policy["repository_ignored_rules"] == ["DL3000", "DL4000"]
    assert failed.details["lint_ignored"] == []
    assert engine.builds == []


async def test_inline_ignore_pragmas_count_only_when_the_operator_allows(
        builder, tap: EventTap, tmp_path: Path, app_name: str) -> None:
    pragma = CLEAN_DOCKERFILE + "# hadolint ignore=DL4000\nMAINTAINER someone@example.org\n"
    repo, sha = make_repo(tmp_path / "repo", app_files(pragma))
    async with builder() as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)
    assert failed.state == S.FAILED and "DL4000" in [f.code for f in failed.release.lint]
    assert failed.details["lint_policy"]["inline_pragmas"] == "not allowed"


async def test_operator_ignores_and_allowed_repository_ignores_are_recorded(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(BOTH, **{".hadolint.yaml": "ignored: [DL3000]\n"}))
    settings = builder_settings.model_copy(update={"lint_ignore": ["DL4000"], "lint_repository_config": True})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        built = await tap.wait("r1", S.BUILT, S.FAILED)

    assert built.state == S.BUILT, built.release.error
    assert sorted(f["code"] for f in built.details["lint_ignored"]) == ["DL3000", "DL4000"]
    assert built.details["lint_policy"]["ignored_rules"] == ["DL4000"]
    assert built.details["lint_policy"]["repository_config"] == "applied"
    assert [f.code for f in built.release.lint] == []
    assert len(engine.builds) == 1


async def test_trusted_registries_come_from_the_operator(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str) -> None:
    repo, sha = make_repo(tmp_path / "repo", app_files(CLEAN_DOCKERFILE))
    settings = builder_settings.model_copy(update={"lint_trusted_registries": ["registry.example.org"]})
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)
    assert failed.state == S.FAILED and "DL3026" in [f.code for f in failed.release.lint]
    assert failed.details["lint_policy"]["trusted_registries"] == ["registry.example.org"]
    assert engine.builds == []
