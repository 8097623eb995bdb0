"""An app card's replicas per colour are read in the app's namespace, also while its next release is building.

The platform was asked about the newest release Greenlight knows (in flight, else standby, else live), whatever it
knew of it: a release requested or building has no spec yet (greenlight.yaml is read at `built`), so the read went
to the default namespace, where the app does not run. For the whole build the card answered `colours: {}` (nothing
runs) while the live colour served in its own namespace: something false, where the module means to say nothing
rather than that.
"""

from __future__ import annotations

from typing import cast

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.platform import AppRef, AppState, ColourState, ColourStatus, Platform
from services.shared.release import Colour
from tests.approval.conftest import REQUESTER, api_client, live_release, request_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]
NAMESPACE = "shop"


class OneNamespace:
    """A platform where the app runs in one namespace, blue live with two replicas ready; nothing elsewhere."""

    def __init__(self) -> None:
        self.asked: list[str | None] = []

    async def read(self, app: AppRef) -> AppState:
        self.asked.append(app.spec.namespace)
        if app.spec.namespace != NAMESPACE:
            return AppState(app.name, exists=False, live=None, live_release=None, preview=None)
        blue = ColourState(Colour.BLUE, "r", None, None, ColourStatus.LIVE, replicas=2, ready=True, ready_replicas=2)
        return AppState(app.name, exists=True, live=Colour.BLUE, live_release="r", preview=Colour.BLUE,
                        colours={Colour.BLUE: blue})


async def test_the_card_reads_the_live_apps_namespace_while_the_next_release_builds(
        settings: ApprovalSettings) -> None:
    platform = OneNamespace()
    spec = parse_app_spec(f"namespace: {NAMESPACE}\n")
    async with api_client(settings, platform=cast(Platform, platform)) as client:
        async with running(fake_pipeline(settings.bus, spec=spec)):
            await live_release(client)
        await request_release(client)  # no pipeline: it stays requested, no spec read yet
        card = await (await client.get("/apps/demo", headers=REQUESTER)).json()
        assert card["in_flight"] is not None
        assert platform.asked[-1] == NAMESPACE
        assert card["colours"] == {"blue": {"ready": 2, "desired": 2}}
