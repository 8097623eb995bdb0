"""An IPv6 address can carry an IPv4 one that a translation or tunnel delivers to: a NAT64 gateway sends
`64:ff9b::a00:1` to 10.0.0.1, a 6to4 relay `2002:7f00:1::` to 127.0.0.1. Python's `is_global` judges the IPv6
prefix only, so such a repository or subscriber address passed for public where a network translates it. Now an
embedded IPv4 address must be public too."""

from __future__ import annotations

import ipaddress

import pytest

from services.shared.public_address import public
from services.shared.repo_policy import RepositoryPolicy, RepositoryRefused, parse_remote


@pytest.mark.parametrize(("address", "expected"), [
    ("64:ff9b::a00:1", False),  # NAT64, well-known prefix: 10.0.0.1
    ("64:ff9b::7f00:1", False),  # 127.0.0.1
    ("64:ff9b:1::a9fe:a9fe", False),  # NAT64, local-use prefix: 169.254.169.254 (cloud metadata)
    ("2002:c0a8:1::1", False),  # 6to4 of 192.168.0.1
    ("::127.0.0.1", False),  # IPv4-compatible (deprecated)
    ("::ffff:10.0.0.1", False),  # IPv4-mapped, as before
    ("64:ff9b::808:808", True),  # NAT64 of a public address: public
    ("2002:808:808::1", True),
    ("::ffff:8.8.8.8", True),
    ("2001:4860:4860::8888", True),  # no IPv4 in it
    ("::1", False),
])
def test_an_embedded_ipv4_address_must_be_public_too(address: str, expected: bool) -> None:
    assert public(ipaddress.ip_address(address)) is expected


def test_a_repository_at_a_nat64_address_of_a_private_host_is_refused() -> None:
    with pytest.raises(RepositoryRefused, match="loopback, private or link-local"):
        RepositoryPolicy(["https://*"]).rule_for(parse_remote("https://[64:ff9b::a00:1]/org/app.git"))
    RepositoryPolicy(["https://[64:ff9b::a00:1]/*"]).rule_for(parse_remote("https://[64:ff9b::a00:1]/org/app.git"))
