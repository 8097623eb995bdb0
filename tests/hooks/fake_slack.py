"""A fake Slack: builds the block_actions callback a button press makes and signs it as Slack does."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass
class FakeSlack:
    signing_secret: str

    def press(self, user: str, release_id: str, action: str = "greenlight_approve") -> bytes:
        payload = {"type": "block_actions", "user": {"id": user, "username": "someone"},
                   "trigger_id": uuid.uuid4().hex, "actions": [
                       {"action_id": action, "value": release_id, "action_ts": f"{time.time():.6f}"}]}
        return urlencode({"payload": json.dumps(payload)}).encode()

    def headers(self, body: bytes, *, at: int | None = None) -> dict[str, str]:
        timestamp = str(int(time.time()) if at is None else at)
        mac = hmac.new(self.signing_secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={mac.hexdigest()}",
                "Content-Type": "application/x-www-form-urlencoded"}
