"""The builder checks the repository's host and addresses itself, and never copies git's words to a release."""

from __future__ import annotations

from services.builder.settings import BuilderSettings
from services.shared.protocol import ReleaseState as S
from services.shared.repo_policy import RepositorySettings
from services.shared.runtime import BUS
from tests.builder.conftest import CountingEngine, GitSpy, request
from tests.infra import EventTap

SHA = "0123456789abcdef0123456789abcdef01234567"
BROKER = "127.0.0.1:5672"


async def test_a_host_resolving_to_loopback_is_refused_before_git_runs(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, git_spy: GitSpy,
        app_name: str) -> None:
    # The API was bypassed (a message straight on the bus): the builder's own check still holds.
    settings = builder_settings.model_copy(update={"repository": RepositorySettings(allow=["git://*"])})
    async with builder(settings) as app:
        await app[BUS].publish(request("git://localhost/x", SHA, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED and failed.release.error is not None
    assert failed.release.error.step == "source" and "loopback" in failed.release.error.reason
    assert git_spy.calls() == [] and engine.builds == []


async def test_a_failed_fetch_reports_a_classified_reason_not_the_servers_banner(
        builder, builder_settings: BuilderSettings, tap: EventTap, app_name: str) -> None:
    settings = builder_settings.model_copy(update={"repository": RepositorySettings(allow=[f"git://{BROKER}/*"])})
    async with builder(settings) as app:
        await app[BUS].publish(request(f"git://{BROKER}/x", SHA, app_name))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED and failed.release.error is not None
    assert failed.release.error.step == "source"
    assert "AMQP" not in failed.release.error.reason and "bad line length" not in failed.release.error.reason
    assert failed.release.error.reason == "git fetch failed: the repository could not be read"
