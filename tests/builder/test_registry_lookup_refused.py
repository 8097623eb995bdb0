"""A target registry that refuses the builder's read (wrong credentials) costs a build, never the release:
the lookup says "not found", the image is built, and no credential appears in the release's events."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from structlog.testing import capture_logs

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, request
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap, Registries

WRONG = "not-the-password-3f9a"


async def test_a_refused_lookup_builds(builder, builder_settings: BuilderSettings, registries: Registries,
                                       engine: CountingEngine, tap: EventTap, tmp_path: Path,
                                       app_name: str) -> None:
    settings = builder_settings.model_copy(update={
        "registry": registries.authenticated, "registry_username": registries.username,
        "registry_password": SecretStr(WRONG)})
    repo, sha = make_repo(tmp_path / "repo", app_files())
    with capture_logs() as logs:
        async with builder(settings) as app:
            await app[BUS].publish(request(repo.url, sha, app_name))
            built = await tap.wait("r1", S.BUILT, S.FAILED)
    refused = [e for e in logs if e["event"] == "registry lookup refused; building"]
    assert refused and "401" in refused[0]["reason"], [e["event"] for e in logs]
    assert built.state is S.BUILT, built.release.error
    assert built.details["reused"] is False and built.release.digest is None
    assert len(engine.builds) == 1
    assert WRONG not in built.model_dump_json()
