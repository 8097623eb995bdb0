"""GitLab's signing token (GitLab 19.0 on): each delivery signed as Standard Webhooks specifies.

`webhook-signature: v1,<base64 HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the token
(`whsec_<base64>`), the id equal to `Idempotency-Key`. Unlike `X-Gitlab-Token`, which travels in clear and proves
nothing about the body, it binds the body, its id and a time: a delivery more than 5 minutes old or ahead is refused
(the spec's tolerance), and a replay within them carries the same signed id, which names the delivery (hooks.py),
already claimed (hook_claims.py). Verified by the spec's own library, `standardwebhooks`, rather than by hand.
"""

from __future__ import annotations

import base64
import binascii

from multidict import CIMultiDictProxy
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PREFIX = "whsec_"
MIN_KEY_BYTES = 16  # GitLab makes 32; the spec asks 24 to 64: fewer than 16 can be guessed
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def key_problem(token: str) -> str | None:
    """Why `token` is no signing token GitLab gives (never quoting it), or None."""
    if not token.startswith(PREFIX):
        return f"a GitLab signing token starts with {PREFIX} (as GitLab shows it)"
    encoded = token.removeprefix(PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return f"a GitLab signing token is {PREFIX} and base64"
    if len(key) < MIN_KEY_BYTES:
        return f"a GitLab signing token's key (the base64 after {PREFIX}) has at least {MIN_KEY_BYTES} bytes"
    return None


def signature_matches(token: str, body: bytes, headers: CIMultiDictProxy[str]) -> bool:
    """Whether the delivery's `webhook-signature` (any of its space-separated signatures) is the token's over the
    body, its id and a time within 5 minutes of now."""
    try:
        Webhook(token).verify(body, {name: headers.get(name, "") for name in HEADERS}, json_parse=False)
    except WebhookVerificationError:
        return False
    return True
