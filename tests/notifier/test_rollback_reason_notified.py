"""An automatic rollback notifies with its reason: the failed checks, and the measurement that failed them."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver

REASON = "post-promotion analysis failed: check health: 1 failed measurement(s), more than its failure_limit of 0"
MEASURED = {"check": "health", "provider": "http", "value": 500, "verdict": "failed",
            "why": "status 500, expected [200]", "at": "2026-12-01T12:00:00+00:00"}


def rolled_back(rid: str) -> list:  # type: ignore[type-arg]
    events = walk(rid, "demo", S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL,
                  S.APPROVED, S.SWITCHING, S.VERIFYING)
    rolling = events[-1].next(S.ROLLING_BACK, actor="analysis", details={
        "reason": REASON, "analysis": {"verdict": "failed", "reason": REASON[31:], "measurement": MEASURED,
                                       "measurements": [MEASURED] * 20}})
    return [*events, rolling, rolling.next(S.ROLLED_BACK, actor="switcher", details={"reason": REASON})]


async def test_cloudevents_carry_the_reason_and_the_failed_measurement(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    async with rig(bus_settings, postgres_url, receiver, subscriptions=[{"states": ["rolling_back"]}]) as r:
        await r.publish(*rolled_back("r1"))
        [delivered] = await receiver.wait_for(1)
    data = delivered["data"]
    assert delivered["type"] == "dev.greenlight.release.rolling_back" and data["reason"] == REASON
    assert data["analysis"] == {"verdict": "failed", "reason": REASON[31:], "measurement": MEASURED}


async def test_slack_says_why_it_was_rolled_back(bus_settings: BusSettings, postgres_url: str,
                                                receiver: Receiver) -> None:
    async with rig(bus_settings, postgres_url, receiver, subscriptions=[{"format": "slack"}]) as r:
        await r.publish(*rolled_back("r2"))
        messages = await receiver.wait_for(2)  # awaiting approval, then rolled back
    assert messages[1]["text"].endswith(f"was rolled back: {REASON}")
