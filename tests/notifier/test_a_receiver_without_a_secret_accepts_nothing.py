"""Receivers of the notifier's deliveries check them with signing.verify (README). One whose secret is unset (an
environment variable left empty, a blank line read from a file) called it with "", and an HMAC keyed with "" is one
anyone can compute: every forged delivery was accepted. verify refuses to check with a blank secret, as the hooks
count a blank secret as none."""

from __future__ import annotations

import pytest

from services.shared.signing import BadSignature, sign, verify

BODY = b'{"type": "dev.greenlight.release.live"}'


@pytest.mark.parametrize("blank", ["", " ", "\n"])
def test_a_blank_secret_verifies_nothing_not_even_its_own_signature(blank: str) -> None:
    with pytest.raises(BadSignature, match="no secret"):
        verify(blank, BODY, sign(blank, BODY))


def test_a_real_secret_still_verifies() -> None:
    secret = "a-receivers-secret-of-some-length"
    assert verify(secret, BODY, sign(secret, BODY, 1_700_000_000), now=1_700_000_001) == 1_700_000_000
