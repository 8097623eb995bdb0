"""An app's colours on Kubernetes: one Deployment each, marked with the release it runs.

`deploy` sends the resourceVersion it decided on (409 -> read again, decide again); `wait_ready` watches the rollout
until it is done, failed or taken over. The conditional marks and scale are colour_marks.py's.
"""

from __future__ import annotations

import asyncio

import structlog

from services.shared.kube import state as st
from services.shared.kube.api_errors import Conflict
from services.shared.kube.client import MERGE_PATCH, Kind
from services.shared.kube.colour_marks import ColourMarks, Obj
from services.shared.kube.templates import (
    RELEASE_ID,
    SUPERSEDED_TIMEOUT,
    deployment_manifest,
    merge_patch_to,
    pod_template,
    release_annotations,
    rollout_strategy,
)
from services.shared.kube.watch import WatchTimeout, wait_for
from services.shared.platform import (
    AppRef,
    ColourBusy,
    ColourState,
    ColourStatus,
    NotReady,
    PlatformUnavailable,
    Rollout,
)
from services.shared.release import Colour

log = structlog.get_logger(__name__)
CONFLICT_ATTEMPTS = 8


class Colours(ColourMarks):
    """Deploys a colour and awaits its rollout; marks and scales it conditionally (ColourMarks)."""

    async def deploy(self, app: AppRef, colour: Colour, rollout: Rollout, replicas: int) -> None:
        ns, name = self.names.namespace(app), self.names.deployment(app, colour)
        for _ in range(CONFLICT_ATTEMPTS):
            current, service = await asyncio.gather(
                self.api.get(Kind.DEPLOYMENT, ns, name),
                self.api.get(Kind.SERVICE, ns, self.names.service(app)),
            )
            if st.selected_colour(service) is colour:
                raise ColourBusy(colour, None, f"{colour} is live; the deployer never touches it")
            try:
                if current is None:
                    body = deployment_manifest(name, ns, app, colour, rollout, replicas,
                                               ColourStatus.DEPLOYING, self.settings)
                    await self.api.create(Kind.DEPLOYMENT, ns, body)
                    log.info("created deployment", deployment=name, release=rollout.release_id)
                    return
                st.refuse_unless_greenlights("Deployment", current)
                self._check_free(colour, current, rollout.release_id)
                spec = current["spec"]
                if st.annotations_of(current).get(RELEASE_ID) == rollout.release_id and \
                        st.image_of(current) == rollout.image and spec.get("replicas") == replicas \
                        and not spec.get("paused") and spec.get("strategy") == rollout_strategy():
                    return  # already deployed (a redelivery): nothing to write, unless paused or edited since
                await self.api.patch(Kind.DEPLOYMENT, ns, name, {
                    # The timeout standing now is an earlier rollout's (the resourceVersion pins what was read): noted,
                    # so that the wait does not take it for this one's; None drops an earlier deploy's note.
                    "metadata": {"resourceVersion": current["metadata"]["resourceVersion"],
                                 "annotations": {**release_annotations(rollout, ColourStatus.DEPLOYING),
                                                 SUPERSEDED_TIMEOUT: st.timeout_to_supersede(current)}},
                    # Pod template and strategy as Greenlight makes them, whatever a hand changed (Recreate would take
                    # the old pods down at once), and resumed: a paused Deployment starts no pods of the new template.
                    "spec": {"replicas": replicas, "progressDeadlineSeconds": self.settings.progress_deadline,
                             "paused": None, "strategy": merge_patch_to(spec.get("strategy"), rollout_strategy()),
                             "template": merge_patch_to(spec["template"],
                                                        pod_template(app, colour, rollout, self.settings))},
                }, MERGE_PATCH)
                log.info("deployed", deployment=name, release=rollout.release_id, image=rollout.image)
                return
            except Conflict:
                continue  # someone wrote in between: read again and decide again
        raise PlatformUnavailable(f"deployment {name} kept changing under concurrent writers")

    @staticmethod
    def _check_free(colour: Colour, current: Obj, release_id: str) -> None:
        owner = st.annotations_of(current).get(RELEASE_ID)
        if owner and owner != release_id and st.status_of(current) is ColourStatus.AWAITING_APPROVAL:
            raise ColourBusy(colour, owner, f"standby owned by release {owner} awaiting approval")

    async def wait_ready(self, app: AppRef, colour: Colour, release_id: str, timeout: float) -> ColourState:
        ns, name = self.names.namespace(app), self.names.deployment(app, colour)

        def decide(obj: Obj | None) -> ColourState | None:
            if obj is None:
                raise NotReady(f"deployment {name} does not exist")
            owner = st.annotations_of(obj).get(RELEASE_ID)
            if owner != release_id:
                raise NotReady(f"deployment {name} was taken over by release {owner}")
            # Torn down under the wait (the release ended, seen by another replica, which marks the colour released
            # before it scales it to zero): its 0 of 0 available would read as a finished rollout. Zero desired
            # replicas alone is one (the platforms' contract: a scale-down is awaited so).
            if st.status_of(obj) is ColourStatus.RELEASED:
                raise NotReady(f"deployment {name} was freed: release {release_id} ended while it rolled out")
            if failure := st.rollout_failure(obj):
                raise NotReady(f"rollout of {name} failed: {failure}", st.describe(obj))
            return st.colour_state(colour, obj) if st.rollout_done(obj) else None

        try:
            return await wait_for(self.api, Kind.DEPLOYMENT, ns, name, decide, timeout)
        except WatchTimeout as exc:
            raise NotReady(f"rollout of {name} not ready within {timeout:g}s: {st.describe(exc.last)}",
                           st.describe(exc.last)) from None
