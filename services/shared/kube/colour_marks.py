"""A colour's marks and scale on Kubernetes, written only if the colour is still as expected: `mark` and a conditional
`scale` are json-patches whose `test` operations check the Deployment's annotations atomically (a failed test is a
422 and nothing is written). Deploying and awaiting a colour is colours.py's."""

from __future__ import annotations

from typing import Any

from services.shared.kube.api_errors import Invalid, NotFound
from services.shared.kube.client import Kind, KubeApi
from services.shared.kube.settings import KubeSettings
from services.shared.kube.templates import RELEASE_ID, STATE, Names, json_pointer
from services.shared.platform import AppRef, ColourStatus
from services.shared.release import Colour

Obj = dict[str, Any]


class ColourMarks:
    def __init__(self, api: KubeApi, settings: KubeSettings) -> None:
        self.api = api
        self.settings = settings
        self.names = Names(settings)

    async def mark(self, app: AppRef, colour: Colour, release_id: str, status: ColourStatus) -> bool:
        ns, name = self.names.namespace(app), self.names.deployment(app, colour)
        ops = [_test(RELEASE_ID, release_id),
               {"op": "add", "path": f"/metadata/annotations/{json_pointer(STATE)}", "value": status.value}]
        try:
            await self.api.patch(Kind.DEPLOYMENT, ns, name, ops)
        except (Invalid, NotFound):
            return False
        return True

    async def scale(self, app: AppRef, colour: Colour, replicas: int, *, if_release: str | None = None,
                    if_status: ColourStatus | None = None) -> bool:
        ns, name = self.names.namespace(app), self.names.deployment(app, colour)
        ops: list[Obj] = []
        if if_release is not None:
            ops.append(_test(RELEASE_ID, if_release))
        if if_status is not None:
            ops.append(_test(STATE, if_status.value))
        ops.append({"op": "replace", "path": "/spec/replicas", "value": replicas})
        try:
            await self.api.patch(Kind.DEPLOYMENT, ns, name, ops)
        except (Invalid, NotFound):
            if ops[:-1]:
                return False
            raise
        return True


def _test(annotation: str, value: str) -> Obj:
    return {"op": "test", "path": f"/metadata/annotations/{json_pointer(annotation)}", "value": value}
