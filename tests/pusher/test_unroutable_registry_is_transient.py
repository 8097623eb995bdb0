"""A registry the engine cannot route to (a network change, a VPN dropping, a host's interface down) is a
connection error like a refused one: the push is retried after a backoff, the release not failed."""

from __future__ import annotations

import pytest

from services.pusher.errors import TransientRegistryError, classify


@pytest.mark.parametrize("message", [
    'Get "https://10.20.30.40:5000/v2/": dial tcp 10.20.30.40:5000: connect: no route to host',
    'Get "https://[2001:db8::5]:5000/v2/": dial tcp [2001:db8::5]:5000: connect: network is unreachable',
    "writing blob: Patch \"https://registry.internal/v2/app/blobs/uploads/x\": dial tcp 10.0.0.7:443: "
    "connect: host is unreachable",
])
def test_engine_unroutable_registry_is_transient(message: str) -> None:
    error = classify(message)
    assert type(error) is TransientRegistryError and str(error) == message
