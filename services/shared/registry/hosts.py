"""Registry hosts as image names spell them (host[:port]): which host, and whether it is this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def hostname(registry: str) -> str:
    """The host of `registry`, lower-case, an IPv6 address without its brackets."""
    # An IPv6 host comes bracketed when it has a port ("[::1]:5000"), so the port cannot be split off at the last
    # colon blindly; urlsplit knows the brackets (and lowercases).
    bare = registry.strip("[]")
    if bare.count(":") > 1 and "]" not in bare:
        return bare.lower()
    return urlsplit(f"//{registry}").hostname or ""


def is_loopback(registry: str) -> bool:
    host = hostname(registry)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
