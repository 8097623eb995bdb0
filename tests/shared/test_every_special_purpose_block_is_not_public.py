"""Every block the IANA special-purpose registries (IPv4 and IPv6) do not call globally reachable is refused as a
repository's or a subscriber's address; public unicast addresses, and the IPv4 ones an IPv6 form carries, pass.

On Python 3.11 `is_global` called `::ffff:0:0:0/96` (IPv4-translated), `fec0::/10` (site-local), `5f00::/16` (SRv6
SIDs), `3fff::/20` (documentation), `100:0:0:1::/64` (dummy prefix) and `192.0.0.0/24` (IETF protocol assignments)
global, so `https://*` reached them without an operator naming the host."""

from __future__ import annotations

import ipaddress

import pytest

from services.shared.public_address import public
from services.shared.repo_policy import RepositoryNotAllowed, RepositoryPolicy, parse_remote

NOT_PUBLIC = [
    # IPv4 registry: this network, private, shared, loopback, link local, IETF protocol assignments (incl. DS-Lite
    # B4 and the dummy address), documentation, deprecated 6to4 relay, benchmarking, reserved, broadcast, multicast
    "0.1.2.3", "10.0.0.1", "100.64.0.1", "127.0.0.1", "169.254.169.254", "172.16.0.1", "192.0.0.8", "192.0.0.1",
    "192.0.0.100", "192.0.0.170", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.51.100.1",
    "203.0.113.1", "240.0.0.1", "255.255.255.255", "224.0.0.1",
    # IPv6 registry: unspecified, loopback, IPv4-mapped of a private address, local-use NAT64, discard-only, dummy
    # prefix, IETF protocol assignments, TEREDO, benchmarking, ORCHID, documentation (both), SRv6 SIDs, ULA, link local
    "::", "::1", "::ffff:10.0.0.1", "64:ff9b:1::1", "100::1", "100:0:0:1::1", "2001:0:4136:e378::1",
    "2001:2::1", "2001:10::1", "2001:db8::1", "3fff::1", "5f00::1", "fc00::1", "fd12::1", "fe80::1",
    # outside the registry: IPv4-translated (SIIT), site-local (deprecated), multicast
    "::ffff:0:808:808", "::ffff:0:a00:1", "fec0::1", "feff::1", "ff02::1", "ff0e::1",
    # public-looking prefixes carrying a private IPv4 address: NAT64, 6to4, IPv4-compatible
    "64:ff9b::a00:1", "2002:a00:1::1", "::10.0.0.1",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "140.82.112.3", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
          "2606:4700::1111", "2a00:1450:4001::1"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_special_purpose_address_is_not_public(address: str) -> None:
    assert not public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_unicast_address_is_public(address: str) -> None:
    assert public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["::ffff:0:a00:1", "fec0::1", "5f00::1", "192.0.0.8"])
def test_a_glob_rule_refuses_it_and_naming_it_allows_it(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    remote = parse_remote(f"https://{host}/org/app.git")
    with pytest.raises(RepositoryNotAllowed):
        RepositoryPolicy(["https://*"]).rule_for(remote)
    RepositoryPolicy([f"https://{host}/*"]).rule_for(remote)
