"""Step deadlines as timers on the broker: a stuck release fails with its step, even if its message was lost.

Each step has a delay queue bound straight to the events exchange on the state that starts the step, with the
step's deadline as its TTL. Every such event is copied into it by the broker itself, and dead-lettered, once
the TTL is out, to `deadline.<step>` on the same exchange, which the deadline watcher's queue binds. The watcher
fails the release if it is still in that step. Nothing publishes the timers, so no crash can skip one, and a
message the broker dead-lettered (delivery limit) still ends in a `failed` release and a free app. One queue
per step and deadline: all its timers have the same TTL, so they expire in order, and a changed deadline makes
a new queue instead of a PRECONDITION_FAILED.
"""

from __future__ import annotations

from datetime import timedelta

from aio_pika.abc import AbstractRobustConnection
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.protocol import ReleaseState as S
from services.shared.protocol import routing_key
from services.shared.settings import BusSettings, Duration

# step -> (the state that starts it, the states in which the release is still in it)
STEP_DEADLINES: dict[str, tuple[S, frozenset[S]]] = {
    "build": (S.REQUESTED, frozenset({S.REQUESTED, S.BUILDING})),
    "push": (S.BUILT, frozenset({S.BUILT, S.PUSHING})),
    "deploy": (S.PUSHED, frozenset({S.PUSHED, S.DEPLOYING})),
    "switch": (S.APPROVED, frozenset({S.APPROVED, S.SWITCHING})),
}
STEP_STARTED_BY = {start: step for step, (start, _) in STEP_DEADLINES.items()}
DEADLINE_KEY = "deadline.{step}"


class DeadlineSettings(BaseSettings):
    """`GREENLIGHT_DEADLINE_<STEP>`: how long a step may take, counted from the event that starts it."""

    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_DEADLINE_", extra="ignore")

    build: Duration = Field(timedelta(minutes=45), description=(
        "requested -> built: clone, lint and build, retries included (default 45m; the builder's own build "
        "timeout is 30m)"))
    push: Duration = Field(timedelta(minutes=20), description="built -> pushed (default 20m)")
    deploy: Duration = Field(timedelta(minutes=15), description=(
        "pushed -> awaiting_approval: deploy the standby and wait until it is ready (default 15m)"))
    switch: Duration = Field(timedelta(minutes=5), description="approved -> live (default 5m)")

    def of(self, step: str) -> timedelta:
        return getattr(self, step)  # type: ignore[no-any-return]


def deadline_queue_name(bus: BusSettings, step: str, deadline: timedelta) -> str:
    return f"{bus.queue_prefix}deadline.{step}.{round(deadline.total_seconds() * 1000)}ms"


async def declare_deadline_timers(connection: AbstractRobustConnection, bus: BusSettings,
                                  deadlines: DeadlineSettings) -> list[str]:
    """Idempotent; returns the delay queues' names."""
    channel = await connection.channel()
    names = []
    try:
        exchange = await channel.get_exchange(bus.exchange, ensure=False)
        for step, (start, _) in STEP_DEADLINES.items():
            deadline = deadlines.of(step)
            name = deadline_queue_name(bus, step, deadline)
            queue = await channel.declare_queue(name, durable=True, arguments={
                **bus.quorum_arguments(),
                "x-message-ttl": round(deadline.total_seconds() * 1000),
                "x-dead-letter-exchange": bus.exchange,
                "x-dead-letter-routing-key": DEADLINE_KEY.format(step=step),
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            })
            await queue.bind(exchange, routing_key("*", start))
            names.append(name)
    finally:
        await channel.close()
    return names

