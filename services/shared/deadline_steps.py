"""The steps a release has a deadline for: the state that starts each, the states in which the release is still in
it, and how long it may take (`GREENLIGHT_DEADLINE_<STEP>`). The timers that enforce them are deadlines.py's; the
deadline watcher (services/approval/deadlines.py) fails a release still in its step."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.protocol import ReleaseState as S
from services.shared.settings import Duration

# step -> (the state that starts it, the states in which the release is still in it)
STEP_DEADLINES: dict[str, tuple[S, frozenset[S]]] = {
    "build": (S.REQUESTED, frozenset({S.REQUESTED, S.BUILDING})),
    "push": (S.BUILT, frozenset({S.BUILT, S.PUSHING})),
    "deploy": (S.PUSHED, frozenset({S.PUSHED, S.DEPLOYING})),
    "switch": (S.APPROVED, frozenset({S.APPROVED, S.SWITCHING})),
}
STEP_STARTED_BY = {start: step for step, (start, _) in STEP_DEADLINES.items()}
DEADLINE_KEY = "deadline.{step}"
# RabbitMQ refuses a queue's `x-message-ttl` past 10 years (`value_too_large`): a longer deadline ("practically none")
# stopped the start on the broker's refusal of the delay queue, a traceback naming a queue, not the setting.
LONGEST = timedelta(days=3650)


class DeadlineSettings(BaseSettings):
    """`GREENLIGHT_DEADLINE_<STEP>`: how long a step may take, counted from the event that starts it."""

    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_DEADLINE_", extra="ignore")

    # Above zero: a step given no time at all failed every release as it began (the broker dead-letters a 0 ms timer
    # at once), and a negative one stopped the start on the broker's refusal of the delay queue, not on this setting;
    # at most LONGEST, for the same reason.
    build: Duration = Field(timedelta(minutes=45), gt=timedelta(0), le=LONGEST, description=(
        "requested -> built: clone, lint and build, retries included (default 45m; the builder's own build "
        "timeout is 30m)"))
    push: Duration = Field(timedelta(minutes=20), gt=timedelta(0), le=LONGEST,
                           description="built -> pushed (default 20m)")
    deploy: Duration = Field(timedelta(minutes=15), gt=timedelta(0), le=LONGEST, description=(
        "pushed -> awaiting_approval: deploy the standby and wait until it is ready (default 15m)"))
    switch: Duration = Field(timedelta(minutes=5), gt=timedelta(0), le=LONGEST,
                             description="approved -> live (default 5m)")

    # Not a step: how often the timer queues are looked for (deadline_watch.py). A queue deleted under the running API
    # was declared again only at a reconnect or a restart, and no release had that step's deadline meanwhile.
    timers_check: Duration = Field(timedelta(seconds=10), gt=timedelta(0), description=(
        "how often the step deadlines' timer queues are looked for, and one deleted is declared again with the "
        "timers it held put back from the release log (default 10s)"))

    def of(self, step: str) -> timedelta:
        return getattr(self, step)  # type: ignore[no-any-return]
