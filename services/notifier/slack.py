"""A Slack message (Block Kit, for an incoming webhook) when a release awaits approval, fails or is rolled back.

The approve and reject buttons carry only the release id; Slack signs the click (who, which button)
and posts it to the approval service's `/hooks/slack/actions`, which decides as the mapped identity.
"""

from __future__ import annotations

from typing import Any

from services.notifier.payloads import public_view
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S

APPROVE_ACTION = "greenlight_approve"
REJECT_ACTION = "greenlight_reject"


def escape(text: object) -> str:
    # Slack's mrkdwn: these three make links and mentions; anything from a release is someone's input.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(event: ReleaseEvent, api_url: str | None) -> dict[str, Any]:
    view = public_view(event)
    app, short = escape(view["app"]), view["commit"][:12]
    headline = {
        S.AWAITING_APPROVAL: f":large_yellow_circle: *{app}* `{short}` awaits approval",
        S.FAILED: f":red_circle: *{app}* `{short}` failed"
                  + (f" at {escape(view['error']['step'])}: {escape(view['error']['reason'][:300])}"
                     if view["error"] else ""),
        S.ROLLED_BACK: f":leftwards_arrow_with_hook: *{app}* `{short}` was rolled back"
                       + (f": {escape(view['reason'][:300])}" if view["reason"] else ""),
    }[event.state]
    checks = ", ".join(f"{n} {escape(level)}" for level, n in sorted(view["lint"].items())) or "lint clean"
    preview = f"<{escape(view['preview'])}|preview>" if view["preview"] else "no preview"
    fields = [f"*Requested by*\n{escape(view['requested_by'])}", f"*Commit*\n`{short}` {escape(view['repository'])}",
              f"*Preview*\n{preview}", f"*Checks*\n{checks}"]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": headline}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if event.state == S.AWAITING_APPROVAL:
        blocks.append({"type": "actions", "block_id": f"greenlight-{event.release_id}", "elements": [
            _button("Approve", APPROVE_ACTION, event.release_id, "primary"),
            _button("Reject", REJECT_ACTION, event.release_id, "danger"),
        ]})
    if api_url:
        link = f"{api_url.rstrip('/')}/releases/{event.release_id}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{escape(link)}|release>"}]})
    return {"text": headline, "blocks": blocks}


def _button(label: str, action_id: str, release_id: str, style: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id,
            "value": release_id, "style": style}
