"""A token's caller key (recorded in `requested` events and approvals, which every reader of a release's history
sees) is keyed by GREENLIGHT_API_CALLER_KEY_SECRET when it is set: without the secret nobody can check a guessed
token against it offline. The same token keeps the same key under one secret, so four eyes still link a rename."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pydantic import ValidationError

from services.approval.auth import load_tokens, token_key
from services.approval.settings import ApprovalSettings

SECRET = "an-installation-secret-0123456789"


def _key(settings: ApprovalSettings) -> str:
    identity = load_tokens(settings).identify("requester-token")
    assert identity is not None and identity.key is not None
    return identity.key


def test_the_secret_keys_the_hash_and_keeps_it_stable() -> None:
    sha = hashlib.sha256(b"requester-token").hexdigest()
    unkeyed = _key(ApprovalSettings(dev_tokens=True))
    keyed = _key(ApprovalSettings(dev_tokens=True, caller_key_secret=SECRET))
    assert unkeyed == token_key(sha)
    assert keyed != unkeyed
    assert keyed == "token:" + hmac.new(SECRET.encode(), sha.encode(), hashlib.sha256).hexdigest()[:32]
    assert _key(ApprovalSettings(dev_tokens=True, caller_key_secret=SECRET)) == keyed  # a restart, another replica
    assert "requester-token" not in keyed and sha not in keyed


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 16"):
        ApprovalSettings(caller_key_secret="short")
