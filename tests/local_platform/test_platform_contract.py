"""The Platform contract, checked the same way on both adapters: local containers + HAProxy, and
Kubernetes (the fake API server from tests/fake_k8s, or a real cluster when KUBECONFIG is set)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import pytest

from services.shared.appspec import AppSpec
from services.shared.platform import (
    AppRef,
    ColourBusy,
    ColourStatus,
    LiveChanged,
    NotReady,
    Platform,
    Rollout,
)
from services.shared.release import Colour
from tests.fake_k8s.scenario import app_ref
from tests.harness import SHA
from tests.local_platform.fixtures import CRASHING, local_platform

BLUE, GREEN = Colour.BLUE, Colour.GREEN


@dataclass
class Target:
    kind: str
    app: AppRef
    images: tuple[str, ...]
    bad_image: str
    ready_timeout: float
    open: Callable[[], AbstractAsyncContextManager[Platform]]

    def rollout(self, release_id: str, image: int = 0) -> Rollout:
        return Rollout(release_id, SHA, self.images[image])


@pytest.fixture(params=["local", "kubernetes"])
def target(request: pytest.FixtureRequest, test_id: str) -> Target:
    if request.param == "kubernetes":
        kube = request.getfixturevalue("kube")
        return Target("kubernetes", app_ref(kube), kube.images, kube.bad_image, kube.progress_deadline + 10,
                      kube.platform)
    settings = request.getfixturevalue("local_settings")
    images = request.getfixturevalue("web_images")
    app = AppRef(f"lp-{test_id}", AppSpec(readiness_path="/readyz", replicas=1))
    return Target("local", app, images, CRASHING, 10.0, lambda: local_platform(settings, app.name))


async def test_a_new_app_has_pointers_and_no_colours(target: Target) -> None:
    async with target.open() as platform:
        assert not (await platform.read(target.app)).exists
        first = await platform.ensure_app(target.app)
        again = await platform.ensure_app(target.app)
    for state in (first, again):
        assert state.exists and state.live is None and state.preview is None and not state.colours
        assert state.standby() is BLUE


async def test_deploy_marks_the_colour_and_it_becomes_ready(target: Target) -> None:
    async with target.open() as platform:
        await platform.ensure_app(target.app)
        await platform.deploy(target.app, BLUE, target.rollout("r1"), 1)
        ready = await platform.wait_ready(target.app, BLUE, "r1", target.ready_timeout)
        await platform.deploy(target.app, BLUE, target.rollout("r1"), 1)  # a repeat changes nothing
        state = (await platform.read(target.app)).colour(BLUE)
    assert ready.ready and ready.release_id == "r1" and ready.image == target.images[0]
    assert state is not None and state.status is ColourStatus.DEPLOYING and state.commit == SHA
    assert state.replicas == 1 and state.ready


async def test_ready_replicas_count_what_serves(target: Target) -> None:
    """What the dashboard shows per colour: ready of desired, 0 for a release that cannot start."""
    async with target.open() as platform:
        await platform.ensure_app(target.app)
        await platform.deploy(target.app, BLUE, target.rollout("r1"), 2)
        await platform.wait_ready(target.app, BLUE, "r1", target.ready_timeout)
        await platform.deploy(target.app, GREEN, Rollout("bad", SHA, target.bad_image), 1)
        with pytest.raises(NotReady):
            await platform.wait_ready(target.app, GREEN, "bad", target.ready_timeout)
        running = await platform.read(target.app)
        await platform.scale(target.app, BLUE, 0)
        await platform.wait_ready(target.app, BLUE, "r1", target.ready_timeout)
        stopped = (await platform.read(target.app)).colour(BLUE)
    blue, green = running.colour(BLUE), running.colour(GREEN)
    assert blue is not None and (blue.ready_replicas, blue.replicas) == (2, 2)
    assert green is not None and (green.ready_replicas, green.replicas) == (0, 1)
    assert stopped is not None and (stopped.ready_replicas, stopped.replicas) == (0, 0)


async def test_a_colour_awaiting_approval_is_held_for_its_release(target: Target) -> None:
    async with target.open() as platform:
        await platform.ensure_app(target.app)
        await platform.deploy(target.app, BLUE, target.rollout("r1"), 1)
        assert await platform.mark(target.app, BLUE, "r1", ColourStatus.AWAITING_APPROVAL)
        assert not await platform.mark(target.app, BLUE, "r2", ColourStatus.RELEASED)
        with pytest.raises(ColourBusy) as busy:
            await platform.deploy(target.app, BLUE, target.rollout("r2", 1), 1)
        state = (await platform.read(target.app)).colour(BLUE)
    assert busy.value.owner == "r1" and "awaiting approval" in str(busy.value)
    assert state is not None and state.release_id == "r1" and state.status is ColourStatus.AWAITING_APPROVAL


async def test_switch_moves_live_only_from_the_expected_colour(target: Target) -> None:
    async with target.open() as platform:
        await platform.ensure_app(target.app)
        await platform.deploy(target.app, BLUE, target.rollout("r1"), 1)
        await platform.wait_ready(target.app, BLUE, "r1", target.ready_timeout)
        assert await platform.switch(target.app, None, BLUE, "r1")
        assert not await platform.switch(target.app, None, BLUE, "r1")  # a repeat writes nothing
        with pytest.raises(LiveChanged) as changed:
            await platform.switch(target.app, None, GREEN, "r2")
        with pytest.raises(ColourBusy):
            await platform.deploy(target.app, BLUE, target.rollout("r2", 1), 1)
        state = await platform.read(target.app)
    assert changed.value.actual is BLUE and changed.value.expected is None
    assert state.live is BLUE and state.live_release == "r1" and state.standby() is GREEN


async def test_a_release_that_cannot_start_is_not_ready(target: Target) -> None:
    async with target.open() as platform:
        await platform.ensure_app(target.app)
        await platform.deploy(target.app, GREEN, Rollout("bad", SHA, target.bad_image), 1)
        with pytest.raises(NotReady) as not_ready:
            await platform.wait_ready(target.app, GREEN, "bad", target.ready_timeout)
    assert not_ready.value.reason


async def test_waiting_ends_when_another_release_takes_the_colour(target: Target) -> None:
    async with target.open() as platform:
        await platform.ensure_app(target.app)
        await platform.deploy(target.app, GREEN, target.rollout("r1"), 1)
        await platform.deploy(target.app, GREEN, target.rollout("r2", 1), 1)  # r1 was only deploying
        with pytest.raises(NotReady, match="taken over by release r2"):
            await platform.wait_ready(target.app, GREEN, "r1", target.ready_timeout)


async def test_conditional_scale_holds_only_while_the_mark_matches(target: Target) -> None:
    async with target.open() as platform:
        await platform.ensure_app(target.app)
        await platform.deploy(target.app, BLUE, target.rollout("r1"), 1)
        await platform.mark(target.app, BLUE, "r1", ColourStatus.RETIRED)
        assert not await platform.scale(target.app, BLUE, 0, if_release="r0")
        assert not await platform.scale(target.app, BLUE, 0, if_release="r1", if_status=ColourStatus.LIVE)
        assert not await platform.scale(target.app, GREEN, 0, if_release="r1")  # no such colour
        assert await platform.scale(target.app, BLUE, 0, if_release="r1", if_status=ColourStatus.RETIRED)
        state = (await platform.read(target.app)).colour(BLUE)
    assert state is not None and state.replicas == 0


async def test_preview_points_at_the_standby(target: Target) -> None:
    async with target.open() as platform:
        await platform.ensure_app(target.app)
        await platform.deploy(target.app, GREEN, target.rollout("r1"), 1)
        await platform.wait_ready(target.app, GREEN, "r1", target.ready_timeout)
        where = await platform.set_preview(target.app, GREEN)
        assert await platform.set_preview(target.app, GREEN) == where  # idempotent
        state = await platform.read(target.app)
    assert where and state.preview is GREEN and state.live is None
