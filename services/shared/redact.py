"""Repository URLs as they may be shown: any credential in them replaced by `***`."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
# Query keys that carry a credential (access_token, private_token, X-Amz-Signature, password, apikey...).
_SECRET_KEY = re.compile(r"token|pass|secret|key|sig|auth|cred", re.IGNORECASE)


def masked_query(query: str) -> str:
    """A URL's query with every credential-like value masked."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, MASK if _SECRET_KEY.search(k) else v) for k, v in pairs], safe="*")


def redact_url(url: str) -> str:
    """Userinfo other than a plain ssh user (`ssh://git@host`, `git@host:path`) and credential-like
    query values are masked; anything unparsable is shown up to its query, and only when it holds no `@`."""
    if "@" not in url and "?" not in url:
        return url  # no userinfo, no query: nothing to mask (and every event's URL passes here)
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed `[`: where the query starts is all that can be read
        return MASK if "@" in url else url.partition("?")[0] + "?" + MASK
    if not parts.scheme or not parts.netloc:
        # A local path, scp-like user@host:path or `file:` URL: no place for a password, but a query may hold a token.
        return urlunsplit(parts._replace(query=masked_query(parts.query))) if parts.query else url
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at and not (parts.scheme == "ssh" and ":" not in userinfo):
        netloc = f"{MASK}@{hostport}"
    query = parts.query
    if query:
        query = masked_query(query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
