"""Unsafe repositories, refs and commits are refused with a clear reason before any git process runs."""

from __future__ import annotations

import asyncio
import json

import aio_pika
import pytest

from services.builder.inputs import check_source
from services.builder.settings import BuilderSettings
from services.shared.bus import REASON_HEADER
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.shared.sources import UnsafeSource
from tests.builder.conftest import CountingEngine, GitSpy, request
from tests.infra import EventTap

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(("repository", "ref", "allow_local", "reason"), [
    ("-oProxyCommand=touch /tmp/pwned", None, True, "must not start with '-'"),
    ("--upload-pack=touch /tmp/pwned", None, True, "must not start with '-'"),
    ("ext::sh -c touch% /tmp/pwned", None, True, "'ext::' are not allowed"),
    ("fd::17", None, True, "are not allowed"),
    ("/srv/git/app.git", None, False, "local repositories are disabled"),
    ("file:///srv/git/app.git", None, False, "local repositories are disabled"),
    ("https://example.org/app.git", "--upload-pack=evil", True, "neither a commit SHA nor a valid branch"),
    ("https://example.org/app.git", "main..evil", True, "neither a commit SHA nor a valid branch"),
], ids=["dash-o", "upload-pack", "ext", "fd", "local-path", "file-url", "option-ref", "dotdot-ref"])
async def test_unsafe_input_is_refused_without_git(
        builder, builder_settings: BuilderSettings, tap: EventTap, engine: CountingEngine, git_spy: GitSpy,
        app_name: str, repository: str, ref: str | None, allow_local: bool, reason: str) -> None:
    settings = builder_settings.model_copy(update={"allow_local_repos": allow_local})
    async with builder(settings) as app:
        await app[BUS].publish(request(repository, SHA, app_name, ref=ref))
        failed = await tap.wait("r1", S.BUILT, S.FAILED)

    assert failed.state == S.FAILED and failed.seq == 2  # straight from requested: nothing ran
    assert failed.release.error is not None and failed.release.error.step == "source"
    assert reason in failed.release.error.reason
    assert failed.release.error.reason.startswith("unsafe source refused")
    assert git_spy.calls() == []
    assert engine.builds == [] and engine.inspections == 0


@pytest.mark.parametrize("commit", ["--upload-pack=evil", "HEAD", "0123abc", SHA.upper()])
def test_builder_checks_the_commit_itself(commit: str) -> None:
    # The event schema already rejects these; the builder does not rely on that alone.
    release = Release.model_construct(id="r1", app="demo", repository="https://example.org/a.git",
                                      commit=commit, ref=None, requested_by="ann")
    with pytest.raises(UnsafeSource, match="not a full 40-character hex SHA"):
        check_source(release, allow_local=False)


async def test_message_with_a_bad_commit_is_dead_lettered_without_git(
        builder, bus_settings: BusSettings, git_spy: GitSpy, app_name: str) -> None:
    body = json.loads(request("https://example.org/app.git", SHA, app_name).dumps())
    body["release"]["commit"] = "--upload-pack=touch /tmp/pwned"
    async with builder() as app:
        channel = await app[BUS].connection.channel()
        exchange = await channel.get_exchange(bus_settings.exchange)
        await exchange.publish(aio_pika.Message(json.dumps(body).encode()), f"release.{app_name}.requested")
        dead = await channel.get_queue(bus_settings.dead_letter_queue)
        async with asyncio.timeout(15), dead.iterator() as messages:
            message = await anext(messages)
            await message.ack()
        await channel.close()

    assert "commit" in str(message.headers[REASON_HEADER])
    assert git_spy.calls() == []
