"""A repository's symlinks never make the builder (or hadolint, or the engine) read outside the clone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import CLEAN_DOCKERFILE, FixtureRepo, app_files, make_repo
from tests.infra import EventTap

MAINTAINER = CLEAN_DOCKERFILE + "MAINTAINER someone@example.org\n"  # DL4000, an error


def linked_repo(tmp_path: Path, links: dict[str, str], files: dict[str, str | bytes | None] | None = None,
                ) -> tuple[FixtureRepo, str]:
    repo, _ = make_repo(tmp_path / "repo", files or app_files())
    for name, target in links.items():
        (repo.path / name).unlink(missing_ok=True)
        os.symlink(target, repo.path / name)
    return repo, repo.commit({}, "links")


async def build_once(builder, tap: EventTap, repo: FixtureRepo, sha: str, app_name: str,  # type: ignore[no-untyped-def]
                     settings: BuilderSettings | None = None) -> ReleaseEvent:
    async with builder(settings) as app:
        await app[BUS].publish(request(repo.url, sha, app_name))
        return await tap.wait("r1", S.BUILT, S.FAILED)


async def test_a_dockerfile_linked_to_a_host_file_is_refused_before_hadolint_reads_it(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str) -> None:
    secret = tmp_path / "host-secret"
    secret.write_text("root:x:0:0:TOPSECRET\n")
    repo, sha = linked_repo(tmp_path, {"Dockerfile": str(secret)})
    failed = await build_once(builder, tap, repo, sha, app_name)

    assert failed.state == S.FAILED and failed.release.error is not None
    assert "leads outside the repository" in failed.release.error.reason
    assert "root" not in failed.release.error.reason and "TOPSECRET" not in str(failed.details)
    assert failed.release.lint == () and engine.builds == []


async def test_a_link_to_a_missing_host_path_reads_the_same_as_one_to_an_existing_path(
        builder, tap: EventTap, tmp_path: Path, app_name: str) -> None:
    existing = tmp_path / "exists"
    existing.write_text("FROM scratch\n")
    reasons = []
    for number, target in enumerate([existing, tmp_path / "no-such-file"]):
        repo, sha = linked_repo(tmp_path / str(number), {"Dockerfile": str(target)})
        async with builder() as app:
            await app[BUS].publish(request(repo.url, sha, app_name, rid=f"r{number}"))
            failed = await tap.wait(f"r{number}", S.BUILT, S.FAILED)
        assert failed.release.error is not None
        reasons.append(failed.release.error.reason)
    assert reasons[0] == reasons[1]


@pytest.mark.parametrize("name", ["greenlight.yaml", ".hadolint.yaml"])
async def test_a_config_file_linked_outside_is_never_read_or_obeyed(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, tmp_path: Path,
        app_name: str, name: str) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("ignored: [DL4000]\ndockerfile: Dockerfile\n")
    repo, sha = linked_repo(tmp_path, {name: str(outside)}, app_files(MAINTAINER))
    # Even with the repository's lint config allowed, a link out is not the repository's config.
    settings = builder_settings.model_copy(update={"lint_repository_config": True})
    failed = await build_once(builder, tap, repo, sha, app_name, settings)

    assert failed.state == S.FAILED and failed.release.error is not None
    if name == "greenlight.yaml":
        assert failed.release.error.step == "spec"
        assert "leads outside the repository" in failed.release.error.reason
    else:
        assert failed.release.error.step == "lint" and "DL4000" in failed.release.error.reason
        assert failed.details["lint_policy"]["repository_config"] == "unreadable"
    assert engine.builds == []


async def test_a_link_out_inside_the_build_context_is_refused(
        builder, tap: EventTap, engine: CountingEngine, tmp_path: Path, app_name: str) -> None:
    secret = tmp_path / "host-secret"
    secret.write_text("TOPSECRET\n")
    repo, sha = linked_repo(tmp_path, {"app.txt": str(secret)})
    failed = await build_once(builder, tap, repo, sha, app_name)

    assert failed.state == S.FAILED and failed.release.error is not None
    assert failed.release.error.step == "build"
    assert "'app.txt' in the build context is a link that leads outside" in failed.release.error.reason
    assert engine.builds == []
