"""A `slack` subscription gets a Block Kit message with approve/reject buttons for awaiting_approval, a
failure message for failed, nothing for other states; text from a release cannot make Slack links."""

from __future__ import annotations

import json

from services.notifier.slack import APPROVE_ACTION, REJECT_ACTION
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver


async def test_slack_messages_carry_buttons_only_when_awaiting_approval(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    waiting = walk("r7", "demo", S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL,
                   requested_by="<!channel> eve", preview="http://demo-green.preview")
    failed = walk("r8", "demo", S.FAILED)
    async with rig(bus_settings, postgres_url, receiver, subscriptions=[{"format": "slack"}]) as r:
        await r.publish(*waiting, *failed)
        messages = await receiver.wait_for(2)
    # Two releases: no order between them, so each message is found by what it says.
    first = next(m for m in messages if "awaits approval" in m["text"])
    second = next(m for m in messages if "failed" in m["text"])
    text = json.dumps(first)
    assert "awaits approval" in first["text"] and "<!channel>" not in text and "&lt;!channel&gt; eve" in text
    assert "<http://demo-green.preview|preview>" in text
    actions = next(b for b in first["blocks"] if b["type"] == "actions")["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [(APPROVE_ACTION, "r7"), (REJECT_ACTION, "r7")]
    assert all(b["type"] != "actions" for b in second["blocks"])
    assert len(receiver.accepted) == 2  # requested, building, ... are not sent to Slack
