"""`greenlight demo` against the running stack: it waits for a person's approval (and says how to give
it), or approves itself with --auto-approve; run again, it finds the commit live and releases nothing,
unless the platform no longer serves it (reset behind Greenlight's back): then it releases it again."""

from __future__ import annotations

import asyncio
import io
from functools import partial

import pytest
from rich.console import Console

from services.cli.demo import run_demo
from services.shared.local import LocalSettings
from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import Stack
from tests.fixtures_repo import FixtureRepo
from tests.local_platform.fixtures import local_platform, through_proxy


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200, highlight=False), out


@pytest.fixture(autouse=True)
def platform_env(monkeypatch: pytest.MonkeyPatch, local_settings: LocalSettings) -> None:
    """The demo finds the live URL from the same settings as the platform: the test's own HAProxy."""
    monkeypatch.setenv("GREENLIGHT_PLATFORM", "local")
    for name in ("live_port", "preview_port", "default_app"):
        monkeypatch.setenv(f"GREENLIGHT_LOCAL_{name.upper()}", str(getattr(local_settings, name)))


async def test_demo_waits_for_approval_then_is_idempotent(stack: Stack, repo: FixtureRepo, app_name: str,
                                                          local_settings: LocalSettings) -> None:
    demo = partial(run_demo, stack.api, app=app_name, repository=repo.url)
    first_console, first_out = _console()
    waiting = asyncio.create_task(asyncio.to_thread(demo, console=first_console))
    follow = stack.database.follow(-1, lambda e: e.app == app_name and e.state is S.AWAITING_APPROVAL)
    try:
        staged = (await asyncio.wait_for(anext(follow), 90)).event.release
    finally:
        await follow.aclose()
    assert (await stack.decide(staged.id, "approve")).status_code == 200
    first = await asyncio.wait_for(waiting, 60)

    newer = repo.commit({"www/note.txt": "newer\n"}, "newer")
    second_console, second_out = _console()
    second = await asyncio.to_thread(demo, auto_approve=True, console=second_console)
    third_console, third_out = _console()
    third = await asyncio.to_thread(demo, auto_approve=True, console=third_console)  # never blocks
    async with local_platform(local_settings, app_name):
        pass  # removes the app from the platform: containers, routing, marks
    fourth_console, fourth_out = _console()
    fourth = await asyncio.to_thread(demo, auto_approve=True, console=fourth_console)
    served = await through_proxy(local_settings, app_name)

    assert first == 0, first_out.getvalue()
    assert f"greenlight approve {staged.id}" in first_out.getvalue() and "preview" in first_out.getvalue()
    assert second == 0 and "auto-approved by dev-approver" in second_out.getvalue(), second_out.getvalue()
    assert third == 0 and f"already runs {newer[:12]}" in third_out.getvalue()
    assert fourth == 0 and "the platform lost it" in fourth_out.getvalue(), fourth_out.getvalue()
    assert served[0] == 200 and served[1].startswith(f"version={newer}")
    releases = await stack.releases_of(app_name)
    assert [(r.commit, r.state) for r in releases][1:] == [(newer, S.LIVE), (staged.commit, S.SUPERSEDED)]
    assert (releases[0].commit, releases[0].state) == (newer, S.LIVE)
