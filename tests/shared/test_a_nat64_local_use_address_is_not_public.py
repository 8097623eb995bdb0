"""64:ff9b:1::/48 is the local-use NAT64 prefix (RFC 8215): not globally reachable (IANA), and a network may put
the IPv4 address anywhere RFC 6052 allows for its prefix length, not only in the last 32 bits. Greenlight read the
last 32 bits alone and then asked Python, whose `is_global` (before 3.12.4) calls the prefix global: with a /48
translation `64:ff9b:1:a9fe:a9:fe00:808:808` reaches 169.254.169.254 (cloud metadata), yet it passed for
public as "8.8.8.8". Now every address of that prefix is non-public, as IANA lists it."""

from __future__ import annotations

import ipaddress

import pytest

from services.shared.public_address import public
from services.shared.repo_policy import RepositoryPolicy, RepositoryRefused, parse_remote

METADATA_BY_A_48 = "64:ff9b:1:a9fe:a9:fe00:808:808"  # 169.254.169.254 in the /48 format, 8.8.8.8 as its suffix


@pytest.mark.parametrize("address", [METADATA_BY_A_48, "64:ff9b:1::808:808", "64:ff9b:1:808:8:800::"])
def test_the_local_use_nat64_prefix_is_never_public(address: str) -> None:
    assert public(ipaddress.ip_address(address)) is False


def test_a_repository_there_is_refused_unless_named() -> None:
    with pytest.raises(RepositoryRefused, match="loopback, private or link-local"):
        RepositoryPolicy(["https://*"]).rule_for(parse_remote(f"https://[{METADATA_BY_A_48}]/org/app.git"))
    RepositoryPolicy([f"https://[{METADATA_BY_A_48}]/*"]).rule_for(
        parse_remote(f"https://[{METADATA_BY_A_48}]/org/app.git"))


def test_the_well_known_prefix_still_judges_its_embedded_address() -> None:
    assert public(ipaddress.ip_address("64:ff9b::808:808")) is True
    assert public(ipaddress.ip_address("64:ff9b::a00:1")) is False
