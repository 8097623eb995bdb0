"""The Platform interface on Kubernetes: Deployments per colour (colours.py), Services (traffic.py).

Every write that depends on what was read carries a precondition, so a concurrent writer is never
overwritten; see the two modules for how.
"""

from __future__ import annotations

import asyncio

from services.shared.kube import state as st
from services.shared.kube.client import Kind, KubeApi
from services.shared.kube.colours import Colours
from services.shared.kube.settings import KubeSettings
from services.shared.kube.templates import RELEASE_ID, Names
from services.shared.kube.traffic import Traffic
from services.shared.platform import AppRef, AppState, ColourState, ColourStatus, Rollout
from services.shared.release import Colour


class KubePlatform:
    def __init__(self, api: KubeApi, settings: KubeSettings) -> None:
        self.api = api
        self.settings = settings
        self.names = Names(settings)
        self.colours = Colours(api, settings)
        self.traffic = Traffic(api, settings)

    async def read(self, app: AppRef) -> AppState:
        ns = self.names.namespace(app)
        service, preview, listing = await asyncio.gather(
            self.api.get(Kind.SERVICE, ns, self.names.service(app)),
            self.api.get(Kind.SERVICE, ns, self.names.preview(app)),
            self.api.select(Kind.DEPLOYMENT, ns, label_selector=f"app={app.name}"),
        )
        by_name = {item["metadata"]["name"]: item for item in listing.get("items") or []}
        colours = {c: st.colour_state(c, by_name[name]) for c in Colour
                   if (name := self.names.deployment(app, c)) in by_name}
        return AppState(
            app=app.name, exists=service is not None and preview is not None,
            live=st.selected_colour(service),
            live_release=st.annotations_of(service).get(RELEASE_ID) if service else None,
            preview=st.selected_colour(preview), colours=colours,
        )

    async def ensure_app(self, app: AppRef) -> AppState:
        await self.traffic.ensure_services(app)
        return await self.read(app)

    async def deploy(self, app: AppRef, colour: Colour, rollout: Rollout, replicas: int) -> None:
        await self.colours.deploy(app, colour, rollout, replicas)

    async def wait_ready(self, app: AppRef, colour: Colour, release_id: str, timeout: float) -> ColourState:
        return await self.colours.wait_ready(app, colour, release_id, timeout)

    async def set_preview(self, app: AppRef, colour: Colour) -> str:
        return await self.traffic.set_preview(app, colour)

    async def mark(self, app: AppRef, colour: Colour, release_id: str, status: ColourStatus) -> bool:
        return await self.colours.mark(app, colour, release_id, status)

    async def switch(self, app: AppRef, expected: Colour | None, to: Colour, release_id: str) -> bool:
        return await self.traffic.switch(app, expected, to, release_id)

    async def scale(self, app: AppRef, colour: Colour, replicas: int, *, if_release: str | None = None,
                    if_status: ColourStatus | None = None) -> bool:
        return await self.colours.scale(app, colour, replicas, if_release=if_release, if_status=if_status)
