"""A watch that ends at once with nothing sent is renewed after a growing pause, not at once for ever.

A load balancer whose API server went away, or a proxy that cannot stream, answers each watch with an empty 200 and
closes it. The rollout wait renewed such a watch at once, every time: hundreds of requests a second against an API
server in trouble, for the whole of the rollout's timeout. client-go's reflector takes a watch closed within a second
without an item for an error and backs off (from 800 ms, doubling), and so does the wait now.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web

from services.shared.platform import NotReady, Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref
from tests.fake_k8s.server import FakeKube
from tests.fake_k8s.watching import GO_TRUE
from tests.harness import SHA

pytestmark = pytest.mark.cluster
QUOTA = "exceeded quota: apps, requested: pods=1, used: pods=10, limited: pods=10"
WINDOW = 2.0  # seconds the rollout wait meets only watches ended at once
FORWARDED = ("Authorization", "Content-Type", "Accept")


class WatchCutter:
    """In front of the fake API server: every request passes, except watches, answered 200 and closed empty."""

    def __init__(self, upstream: str, session: aiohttp.ClientSession) -> None:
        self.upstream, self.session, self.cut = upstream, session, 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("watch", "") in GO_TRUE:
            self.cut += 1
            return web.Response(status=200, content_type="application/json")
        headers = {h: request.headers[h] for h in FORWARDED if h in request.headers}
        async with self.session.request(request.method, self.upstream + request.path_qs, headers=headers,
                                        data=await request.read()) as answer:
            return web.Response(status=answer.status, body=await answer.read(),
                                headers={"Content-Type": answer.headers.get("Content-Type", "application/json")})


@contextlib.asynccontextmanager
async def cutting_watches(fake: FakeKube, tmp_path: Path) -> AsyncIterator[tuple[WatchCutter, str]]:
    async with aiohttp.ClientSession() as session:
        cutter = WatchCutter(fake.url, session)
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", cutter.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        kubeconfig = tmp_path / "through-the-cutter"
        kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "cut",
            "clusters": [{"name": "cut", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
            "users": [{"name": "greenlight", "user": {"token": fake.token}}],
            "contexts": [{"name": "cut", "context": {"cluster": "cut", "user": "greenlight"}}]}))
        try:
            yield cutter, str(kubeconfig)
        finally:
            await runner.cleanup()


async def test_watches_ended_at_once_are_renewed_after_a_pause(kube: KubeTarget, tmp_path: Path) -> None:
    fake = kube.need_fake()
    app = app_ref(kube)
    async with cutting_watches(fake, tmp_path) as (cutter, kubeconfig), \
            kube.platform(kubeconfig=kubeconfig, progress_deadline=60) as platform:
        await platform.ensure_app(app)
        fake.rollouts.refuse_pods(QUOTA)  # never ready: the wait goes on watching for the whole window
        try:
            await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[0]), 1)
            with pytest.raises(NotReady, match="not ready within"):
                await platform.wait_ready(app, Colour.BLUE, "r1", WINDOW)
        finally:
            fake.rollouts.refuse_pods(None)

    assert 1 <= cutter.cut <= 4, cutter.cut  # 0.8 s, then 1.6 s between them; renewed at once: hundreds
