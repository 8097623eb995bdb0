"""HMAC-SHA256 signatures with a timestamp: outgoing notifications and the generic git hook share them.

Header `Greenlight-Signature: t=<unix seconds>,v1=<hex>` where hex = HMAC-SHA256(secret, f"{t}.".encode() + body).
Signing the timestamp with the body stops a captured delivery being replayed later: a receiver refuses a
`t` older than its tolerance. Several `v1=` entries may appear (secret rotation); any one matching is enough,
also split over several header lines, which a receiver joins with commas (RFC 9110, 5.3) before `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "Greenlight-Signature"
DEFAULT_TOLERANCE = 300.0
_MAX_DIGITS = 15  # of `t`: a Unix time has 10


class BadSignature(ValueError):
    """Missing, malformed, stale or wrong; the message says which, never the expected value."""


def sign(secret: str, body: bytes, timestamp: int | None = None, *, also: Sequence[str] = ()) -> str:
    """The header value for `body` signed now (or at `timestamp`); with `also` (the secrets a rotation replaced,
    still in their grace period) one more `v1=` each, after the current one's."""
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={_mac(key, t, body)}" for key in (secret, *also))])


def verify(secret: str, body: bytes, header: str | None, *, tolerance: float = DEFAULT_TOLERANCE,
           now: float | None = None) -> int:
    """The signed timestamp if `header` is a valid signature of `body`; raises BadSignature otherwise."""
    if not secret.strip():  # a receiver's unset secret: an HMAC keyed with it is anyone's to compute
        raise BadSignature("no secret to verify with: every signature is refused")
    if not header:
        raise BadSignature(f"missing {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        # isascii too: str.isdigit() accepts "²", which int() refuses; and int() refuses over 4,300 digits.
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= _MAX_DIGITS:
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise BadSignature(f"malformed {SIGNATURE_HEADER} header: expected t=<unix>,v1=<hex>")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise BadSignature("signature timestamp is outside the allowed window")
    expected = _mac(secret, timestamp, body)
    # Every candidate is compared, in constant time each, so timing says nothing about which matched.
    matched = False
    for candidate in candidates:
        matched |= matches(expected, candidate)
    if not matched:
        raise BadSignature("signature does not match the body")
    return timestamp


def matches(expected: str, given: str) -> bool:
    """`given` (a header the caller chose) equals `expected`, compared in constant time as bytes: compare_digest
    raises TypeError on a non-ASCII str. surrogatepass encodes any str, the same way on both sides (a header's
    undecodable bytes arrive as surrogates), so an odd header is a mismatch, never an exception."""
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass"))


def github_signature(secret: str, body: bytes) -> str:
    """`X-Hub-Signature-256` as GitHub computes it: sha256=HMAC-SHA256(secret, body), hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    # surrogatepass: a secret may hold a lone surrogate (JSON carries `\ud800`), which plain encode() refuses.
    key = secret.encode("utf-8", "surrogatepass")
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
