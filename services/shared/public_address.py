"""Whether an address is a public one: what a repository or a subscriber may be reached at without an operator
naming it (repo_policy.py, subscriber_hosts.py, the notifier's guard).

Python's `is_global` is not enough on 3.11: it calls global the IPv4-translated prefix, site-local and SRv6 SIDs,
192.0.0.0/24, the IPv6 documentation prefix of 2024 and more. So the IANA special-purpose registries are written out
below, and an address in any block they do not call globally reachable is refused, whatever Python says.

An IPv6 address may carry an IPv4 one that a translation or a tunnel delivers to: an address that embeds a
loopback or private IPv4 address is no public one, whatever its IPv6 prefix says (Python's `is_global` judges the
IPv6 prefix alone: `64:ff9b::a00:1` reaches 10.0.0.1 through a NAT64 gateway).
"""

from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IANA IPv4 Special-Purpose Address Registry (as of 2025): every block whose "Globally Reachable" is False or N/A.
# The few True exceptions inside them (192.0.0.9 PCP and 192.0.0.10 TURN anycast) are refused too: no repository or
# webhook receiver is served there. 192.88.99.0/24 (6to4 relay anycast) is deprecated (RFC 7526); multicast (224/4) is
# no unicast address at all.
_NOT_GLOBAL_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
))
# IANA IPv6 Special-Purpose Address Registry (as of 2025), False or N/A, and what it leaves out: ::ffff:0:0:0/96
# (IPv4-translated, RFC 2765), fec0::/10 (site-local, deprecated by RFC 3879), multicast. 2001::/23 is refused
# whole, as Python does, its anycast and ORCHIDv2 exceptions with it. The IPv4-mapped (::ffff:0:0/96), NAT64
# (64:ff9b::/96), 6to4 (2002::/16) and IPv4-compatible (::/96) forms are judged by the IPv4 address they carry.
_NOT_GLOBAL_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/128", "::1/128", "::ffff:0:0:0/96", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64", "2001::/23",
    "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))
# IPv6 prefixes that carry an IPv4 address in their last 32 bits, which a NAT64 gateway (RFC 6052's well-known
# prefix) or an old IPv4-compatible route delivers to that IPv4 address.
_EMBEDDING = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b::/96", "::/96"))


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
    if isinstance(address, ipaddress.IPv4Address):
        return address.is_global and not any(address in network for network in _NOT_GLOBAL_V4)
    if (inner := embedded_ipv4(address)) is not None:
        if not public(inner):
            return False
        if address.ipv4_mapped is not None:  # a socket to ::ffff:a.b.c.d reaches a.b.c.d, which is public
            return True
    return address.is_global and not any(address in network for network in _NOT_GLOBAL_V6)
