"""Whether an address is a public one: what a repository or a subscriber may be reached at without an operator
naming it (repo_policy.py, subscriber_hosts.py, the notifier's guard).

An IPv6 address may carry an IPv4 one that a translation or a tunnel delivers to: an address that embeds a
loopback or private IPv4 address is no public one, whatever its IPv6 prefix says (Python's `is_global` judges the
IPv6 prefix alone: `64:ff9b::a00:1` reaches 10.0.0.1 through a NAT64 gateway).
"""

from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 prefixes that carry an IPv4 address in their last 32 bits, which a NAT64 gateway (RFC 6052's well-known
# prefix) or an old IPv4-compatible route delivers to that IPv4 address.
_EMBEDDING = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b::/96", "::/96"))
# The local-use NAT64 prefix (RFC 8215) is not globally reachable (IANA), though Python before 3.12.4 calls it global,
# and a network may place the IPv4 address anywhere RFC 6052 allows for its own prefix length: never public.
_LOCAL_USE_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one reaches through a translation or tunnel (mapped, NAT64, 6to4, Teredo, the
    deprecated IPv4-compatible form), if any."""
    if address.ipv4_mapped is not None or address.sixtofour is not None:
        return address.ipv4_mapped or address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's own address; the server's is public by Teredo's design
    if any(address in network for network in _EMBEDDING):
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def public(address: Address) -> bool:
    """Whether `address` is a public unicast address, and so is any IPv4 address it embeds."""
    if isinstance(address, ipaddress.IPv6Address) and address in _LOCAL_USE_NAT64:
        return False
    if isinstance(address, ipaddress.IPv6Address) and (inner := embedded_ipv4(address)) is not None:
        if not (inner.is_global and not inner.is_multicast):
            return False
        if address.ipv4_mapped is not None:
            return True
    return address.is_global and not address.is_multicast
