"""Stage a pushed release on the standby colour: deploy, wait for readiness, point preview, ask approval.

One release per app in flight, rule REJECT: the standby colour carries the id of the release that
owns it (annotation `greenlight.dev/release-id`) and its state (`greenlight.dev/state`). While the
standby is marked `awaiting-approval` for another release and the live Service still points at the
other colour, a second release of the app fails at once with "standby owned by release X awaiting
approval"; it never waits and never takes the colour. The colour is free again once its release
goes live (the switcher marks it `live`, later `retired`) or is rejected or failed (the deployer
marks it `released` and scales it to zero: handlers.py). The live colour is never touched here.

A standby still marked for a release this process knows has ended is marked released and taken: the
next release of the app can be accepted, built and pushed before the ended release's own teardown ran
(it waits in this queue, or runs on another replica).
"""

from __future__ import annotations

import structlog

from services.deployer.outcomes import SERVICE, colour_of, failed, free_colour, staged
from services.deployer.progress import rollout_progress
from services.deployer.secrets_policy import refused_secrets
from services.deployer.settings import DeployerSettings
from services.shared.bus import Bus
from services.shared.ended import ReleaseEnded
from services.shared.events import ReleaseEvent
from services.shared.platform import (
    AppRef,
    ColourBusy,
    ColourStatus,
    NotReady,
    Platform,
    PlatformError,
    PlatformUnavailable,
    Rollout,
)
from services.shared.progress import ProgressReporter
from services.shared.protocol import ReleaseState
from services.shared.release import Colour

log = structlog.get_logger(__name__)
GONE_LIVE = (ColourStatus.LIVE, ColourStatus.RETIRED)


class StandbyStaging:
    """pushed -> deploying -> awaiting_approval | failed (Deployer, handlers.py, runs it under the app's lock)."""

    def __init__(self, platform: Platform, settings: DeployerSettings) -> None:
        self.platform = platform
        self.settings = settings

    async def stage(self, pushed: ReleaseEvent, bus: Bus) -> None:
        """pushed -> deploying -> awaiting_approval | failed.

        Idempotent: `deploying` and the outcome are derived from the pushed event (same seq, same
        message ids). The standby's annotations say whether the effect exists: a colour already
        running this release's image and ready is not patched again (the Platform's deploy, preview
        and mark write nothing when their effect is in place), so a redelivery re-emits the same
        events. A colour staged earlier (awaiting approval) is left untouched. A release that already went
        live (its colour live or retired) is past this step: its redelivery re-emits only `deploying` (a
        duplicate, kept once) and writes nothing, above all not the preview, which by then shows the app's next
        release.
        """
        deploying = pushed.next(ReleaseState.DEPLOYING, actor=SERVICE)
        await bus.publish(deploying)  # a redelivery re-emits it: the same event, kept once
        reporter = ProgressReporter(bus, pushed.release_id, pushed.app, "deploy",
                                    interval=self.settings.progress_interval)
        if (outcome := await self._outcome(deploying, reporter, bus)) is not None:
            await bus.publish(outcome)

    async def _outcome(self, deploying: ReleaseEvent, reporter: ProgressReporter,
                       bus: Bus) -> ReleaseEvent | None:
        release = deploying.release
        app = AppRef.of(release)
        if not release.image:
            return failed(deploying, "pushed release carries no image")
        if (refused := refused_secrets(app.name, app.spec, self.settings.shared_secrets)) is not None:
            return failed(deploying, refused)
        standby: Colour | None = None
        try:
            state = await self.platform.ensure_app(app)
            standby = colour_of(state, release.id) or state.standby()
            current = state.colour(standby)
            if current is not None and current.release_id == release.id and \
                    (current.status in GONE_LIVE or state.live is standby):
                # Only the colour can tell: a stale redelivery passes the consumer's ended check (live is no ending).
                log.info("release already went live; redelivery ignored", colour=standby.value)
                return None
            if current is not None and current.release_id == release.id:
                if current.status is ColourStatus.AWAITING_APPROVAL:
                    preview = await self.platform.set_preview(app, standby)
                    return staged(deploying, state, standby, preview)
                if current.status is ColourStatus.RELEASED:  # a redelivery after this release ended
                    return failed(deploying, f"release already ended; {standby} was freed", standby)
            if current is not None and current.release_id and current.release_id != release.id and \
                    current.status is ColourStatus.AWAITING_APPROVAL and state.live is not standby:
                if current.release_id in bus.ended:
                    # Released, not scaled down too: the deploy below replaces its pods anyway (it refuses a colour
                    # still marked awaiting approval, and the mark is conditional on the ended release).
                    await self.platform.mark(app, standby, current.release_id, ColourStatus.RELEASED)
                    log.info("standby of an ended release taken", colour=standby.value, ended=current.release_id)
                else:
                    return failed(deploying,
                                  f"standby owned by release {current.release_id} awaiting approval", standby)
            replicas = state.serving_replicas(app.spec.replicas)
            rollout = Rollout(release.id, release.commit, release.image)
            await self.platform.deploy(app, standby, rollout, replicas)
            async with rollout_progress(self.platform, app, standby, replicas, reporter,
                                        every=max(self.settings.progress_interval, 0.5)):
                try:
                    await bus.ended.unless_ended(release.id, self.platform.wait_ready(
                        app, standby, release.id, self.settings.ready_timeout()))
                except ReleaseEnded:  # aborted (or past its deadline) while rolling out: free it now
                    await free_colour(self.platform, app, standby, release.id, "ended while rolling out")
                    raise
            preview = await self.platform.set_preview(app, standby)
            if not await self.platform.mark(app, standby, release.id, ColourStatus.AWAITING_APPROVAL):
                return failed(deploying, f"{standby} was taken by another release while deploying", standby)
        except PlatformUnavailable:
            raise  # transient: the message is redelivered and the step resumes where the cluster is
        except (NotReady, ColourBusy) as exc:
            return failed(deploying, str(exc), standby, getattr(exc, "log_tail", None))
        except PlatformError as exc:
            return failed(deploying, f"cluster refused the deployment: {exc}", standby)
        return staged(deploying, state, standby, preview)
