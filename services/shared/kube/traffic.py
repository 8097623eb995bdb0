"""An app's traffic on Kubernetes: the live Service and the preview Service, selecting a colour.

The live switch carries the resourceVersion it decided on as a precondition: a 409 means someone
wrote the Service in between, so it is read again and the decision taken again, never overwritten.
"""

from __future__ import annotations

import asyncio

import structlog

from services.shared.kube import state as st
from services.shared.kube.api_errors import Conflict, Invalid
from services.shared.kube.client import MERGE_PATCH, Kind, KubeApi, Obj
from services.shared.kube.settings import KubeSettings
from services.shared.kube.templates import (
    PORT_NAME,
    RELEASE_ID,
    Names,
    colour_selector,
    merge_patch_to,
    service_manifest,
)
from services.shared.platform import AppRef, LiveChanged, PlatformError, PlatformUnavailable
from services.shared.release import Colour

log = structlog.get_logger(__name__)
CONFLICT_ATTEMPTS = 8


class Traffic:
    def __init__(self, api: KubeApi, settings: KubeSettings) -> None:
        self.api = api
        self.names = Names(settings)

    async def ensure_services(self, app: AppRef) -> None:
        ns = self.names.namespace(app)
        for name in (self.names.service(app), self.names.preview(app)):
            if (existing := await self.api.get(Kind.SERVICE, ns, name)) is not None:
                st.refuse_unless_greenlights("Service", existing)
                await self._target_named_port(ns, name, existing)
                continue
            try:
                await self.api.create(Kind.SERVICE, ns, service_manifest(name, app, ns))
                log.info("created service", namespace=ns, service=name)
            except Conflict:
                pass  # created concurrently: it exists, which is all we need

    async def _target_named_port(self, ns: str, name: str, service: Obj) -> None:
        """A Service an older Greenlight created with the first release's port number: to the named port."""
        ports = service.get("spec", {}).get("ports") or []
        if not ports or ports[0].get("targetPort") == PORT_NAME:
            return
        try:  # the test: only the port Greenlight created, as it was read
            await self.api.patch(Kind.SERVICE, ns, name, [
                {"op": "test", "path": "/spec/ports/0/targetPort", "value": ports[0].get("targetPort")},
                {"op": "replace", "path": "/spec/ports/0/targetPort", "value": PORT_NAME}])
            log.info("service targets the named port now", namespace=ns, service=name, was=ports[0].get("targetPort"))
        except Invalid:
            pass  # changed in between: the next deploy looks again

    async def set_preview(self, app: AppRef, colour: Colour) -> str:
        ns, name = self.names.namespace(app), self.names.preview(app)
        preview, deployment = await asyncio.gather(
            self.api.get(Kind.SERVICE, ns, name), self.api.get(Kind.DEPLOYMENT, ns, self.names.deployment(app, colour)))
        if preview is None:
            raise PlatformError(f"preview service {name} does not exist")
        selector, wanted = _selector_of(preview), colour_selector(app, colour, deployment)
        if selector != wanted:
            # The whole selector: `role` alone would keep whatever a hand left beside it (no `app`: every app's pods).
            # strategic-merge-patch: on a plain map it merges as a JSON merge patch does (null deletes).
            await self.api.patch(Kind.SERVICE, ns, name, {"spec": {"selector": merge_patch_to(selector, wanted)}})
        return preview_url(name, ns, preview)

    async def switch(self, app: AppRef, expected: Colour | None, to: Colour, release_id: str) -> bool:
        ns, name = self.names.namespace(app), self.names.service(app)
        for _ in range(CONFLICT_ATTEMPTS):
            service, deployment = await asyncio.gather(
                self.api.get(Kind.SERVICE, ns, name), self.api.get(Kind.DEPLOYMENT, ns, self.names.deployment(app, to)))
            if service is None:
                raise PlatformError(f"service {name} does not exist")
            live, selector = st.selected_colour(service), _selector_of(service)
            wanted = colour_selector(app, to, deployment)
            done = live is to and st.annotations_of(service).get(RELEASE_ID) == release_id
            if done and selector == wanted:
                return False
            if not done and live is not expected:
                raise LiveChanged(expected, live)
            try:
                await self.api.patch(Kind.SERVICE, ns, name, {
                    "metadata": {"resourceVersion": service["metadata"]["resourceVersion"],
                                 "annotations": {RELEASE_ID: release_id}},
                    "spec": {"selector": merge_patch_to(selector, wanted)},
                }, MERGE_PATCH)
            except Conflict:
                log.info("service changed while switching; deciding again", service=name)
                continue
            back = await self.api.get(Kind.SERVICE, ns, name)
            if st.selected_colour(back) is not to:
                raise LiveChanged(to, st.selected_colour(back))
            return not done  # done already: only the selector was put right
        raise PlatformUnavailable(f"service {name} kept changing under concurrent writers")


def _selector_of(service: Obj) -> dict[str, str]:
    return dict((service.get("spec") or {}).get("selector") or {})


def preview_url(name: str, namespace: str, service: Obj) -> str:
    """The preview Service's URL inside the cluster, on its first port: the analysis's pre-promotion http checks take
    it as their base, and a bare host (`<app>-preview.<ns>.svc`, as it was) failed every measurement unsent."""
    ports = service.get("spec", {}).get("ports") or [{}]
    port = ports[0].get("port", 80) if isinstance(ports[0], dict) else 80
    return f"http://{name}.{namespace}.svc{'' if port == 80 else f':{port}'}/"
