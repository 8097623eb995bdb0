"""The exact grammar of what a caller may send, so the OpenAPI document and the API agree on it.

Each pattern is both the JSON Schema `pattern` of its field and what the model enforces (422 beyond
it). Inside the grammar, what the API refuses is said with another status: a repository outside the
operator's policy is 403, a ref or cursor that names nothing is 404 (see handlers.py and routing.py).
No look-arounds: schema tools (and pydantic's default regex engine) must be able to use them.
"""

from __future__ import annotations

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*"  # a DNS name or dotted IPv4; IPv6 literals are not supported
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_PATH = r"(?:/[A-Za-z0-9._~%+-]*)*"
_USER = r"[A-Za-z0-9_][A-Za-z0-9._-]*"  # never a leading '-': ssh would read user@host as an option
_LOCAL = r"[A-Za-z0-9._~+-]+"

# https / http / git without userinfo (credentials never go in a URL); ssh with an optional user; scp-like
# user@host:path; a local path or file:// URL (only when the operator allows local repositories).
REPOSITORY_PATTERN = (
    rf"^(?:(?:https?|git)://{_HOST}(?::{_PORT})?{_PATH}"
    rf"|ssh://(?:{_USER}@)?{_HOST}(?::{_PORT})?{_PATH}"
    rf"|{_USER}@{_HOST}:[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]*)*"
    rf"|(?:file://)?/(?:{_LOCAL}(?:/{_LOCAL})*/?)?|\.{{1,2}}(?:/{_LOCAL})*/?)$"
)
# A full SHA, HEAD, or a branch/tag name: components of word characters, single dots and dashes inside,
# separated by single slashes; never a leading '-', '..', '@{', or any character git or a shell treats
# specially.
_COMPONENT = r"[A-Za-z0-9_]+(?:(?:\.|-+)[A-Za-z0-9_]+)*"
REF_PATTERN = rf"^{_COMPONENT}(?:/{_COMPONENT})*$"
# `next_cursor` of a page: unpadded URL-safe base64, opaque to the caller.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
# A release state's name: this version's, or one a newer Greenlight added (a rolling upgrade's client asks an older
# replica for it). The SSE `event:` field carries one; services/shared/db/newer_rows.py shows a stored state so.
STATE_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
