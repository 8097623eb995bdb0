"""A subscription's URL as it may be shown: the API answers it, and the notifier stores it for a subscription set in
GREENLIGHT_NOTIFIER_SUBSCRIPTIONS (subscription_states.py), whose URL the API never sees otherwise."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from services.shared.redact import MASK, redact_url


def masked_url(url: str, fmt: str) -> str:
    """A subscription's URL as it may be answered: scheme://host:port kept, every credential masked. Slack's
    incoming webhook's path is its token (`/services/T…/B…/<token>`), so a `slack` one (or any on a slack.com host)
    shows only scheme://host/***; any other has its userinfo (redact_url), each path segment that is not a plain
    word (`_masked_path`), its query values and its fragment masked."""
    parts = urlsplit(url)
    netloc = urlsplit(redact_url(f"{parts.scheme}://{parts.netloc}/")).netloc
    host = (parts.hostname or "").lower()
    if fmt == "slack" or host == "slack.com" or host.endswith(".slack.com"):
        return urlunsplit((parts.scheme, netloc, f"/{MASK}", "", ""))
    # Every query value, not only credential-like keys: a receiver's key goes by any name (Azure's `?code=`),
    # or by none (`?<key>`: a part without `=` is masked whole).
    query = "&".join(f"{p.partition('=')[0]}={MASK}" if "=" in p else MASK for p in parts.query.split("&") if p)
    return urlunsplit((parts.scheme, netloc, _masked_path(parts.path), query, MASK if parts.fragment else ""))


# A receiver's route is made of words (`/api/webhooks`, `/hooks`, `/triggers/manual/paths/invoke`); its
# credential is the segment that is not one: an id, a key, a UUID (Discord `/api/webhooks/<id>/<token>`, Mattermost
# `/hooks/<key>`, Rocket.Chat `/hooks/<id>/<token>`, a Teams workflow `/workflows/<id>/...`). Lower-case letters and
# dashes only, at most 24 of them: a random token of 20 letters and digits is all lower-case letters once in some
# 30 million, and Mattermost's key (26) is too long to be one. Masking the whole path instead would hide a receiver's
# route too, which is what tells a person two subscriptions on one host apart, for no token this rule shows; a
# secret chosen as a plain word (`/hooks/letmein`) is shown, as the API's description says.
_PLAIN_WORD = re.compile(r"[a-z][a-z-]{0,23}")


def _masked_path(path: str) -> str:
    return "/".join(s if s == "" or _PLAIN_WORD.fullmatch(s) else MASK for s in path.split("/"))
