"""The git server (`git daemon` on loopback) goes away for 10 s as a release is requested: the fetch is retried
from the broker and the release is built once the server is back, with one build; away for longer than the
budget, the release fails saying the git server was unavailable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.repo_policy import RepositorySettings
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.builder.conftest import CountingEngine, request
from tests.faults.conftest import OUTAGE_SHORT, TOO_LITTLE
from tests.faults.gitd import git_daemon
from tests.faults.processes import Daemon, outage
from tests.fixtures_repo import app_files, make_repo
from tests.infra import EventTap


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Daemon, str, str]]:
    """(daemon, git:// URL, commit) of a fresh repository."""
    _, sha = make_repo(tmp_path / "served" / "app.git", app_files())
    daemon, port = git_daemon(tmp_path / "served")
    await daemon.start()
    yield daemon, f"git://127.0.0.1:{port}/app.git", sha
    await daemon.stop()


def own_server(url: str) -> RepositorySettings:
    """The operator's policy naming this test's loopback git daemon (loopback is refused unless named)."""
    return RepositorySettings(allow=[url.rsplit("/", 1)[0] + "/*"])


async def test_release_is_built_after_the_git_server_was_away_for_10s(
        builder, builder_settings: BuilderSettings, fault_bus: BusSettings, engine: CountingEngine,  # type: ignore[no-untyped-def]
        served: tuple[Daemon, str, str], app_name: str) -> None:
    daemon, url, sha = served
    settings = builder_settings.model_copy(update={"bus": fault_bus, "repository": own_server(url)})
    async with EventTap(fault_bus) as tap, builder(settings) as app:
        await daemon.stop()
        away = asyncio.get_running_loop().time()
        await app[BUS].publish(request(url, sha, app_name))
        await tap.wait("r1", S.BUILDING)
        await outage(daemon, OUTAGE_SHORT - (asyncio.get_running_loop().time() - away))
        built = await tap.wait("r1", S.BUILT, S.FAILED, timeout=90)
        took = asyncio.get_running_loop().time() - away
    assert built.state is S.BUILT, built.release.error
    assert built.details["retries"] >= 2 and "git" in built.details["last_retry_error"]
    assert len(engine.builds) == 1 and not tap.of("r1", S.FAILED)
    print(f"git server away {OUTAGE_SHORT:.0f} s: built {took:.1f} s after it went away, "
          f"{built.details['retries']} retries")


async def test_release_fails_when_the_git_server_stays_away_past_the_budget(
        builder, builder_settings: BuilderSettings, fault_bus: BusSettings, engine: CountingEngine,  # type: ignore[no-untyped-def]
        served: tuple[Daemon, str, str], app_name: str) -> None:
    daemon, url, sha = served
    bus = fault_bus.model_copy(update={"retry_budget": TOO_LITTLE})
    settings = builder_settings.model_copy(update={"bus": bus, "repository": own_server(url)})
    async with EventTap(bus) as tap, builder(settings) as app:
        await daemon.stop()  # and it stays away
        await app[BUS].publish(request(url, sha, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED, timeout=60)
    assert failed.state is S.FAILED and failed.release.error is not None
    assert "git server unavailable for" in failed.release.error.reason
    assert "GREENLIGHT_RETRY_BUDGET=6s" in failed.release.error.reason
    assert "connection refused" in failed.release.error.reason.lower()
    assert engine.builds == []
