"""Which requests skip the environment's proxy: those to this machine's own loopback address.

httpx, like Python's urllib and requests, sends every address NO_PROXY does not name through HTTP_PROXY/ALL_PROXY,
loopback included. A proxy elsewhere cannot reach this machine's 127.0.0.1, and the bearer token would travel to
it in clear text (the default API address is plain http://127.0.0.1:8000). Go's clients (kubectl among them)
never proxy loopback; neither does the CLI. Any other address keeps the proxy the environment names.
"""

from __future__ import annotations

import ipaddress

import httpx


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def direct_mounts(url: str) -> dict[str, httpx.BaseTransport | None]:
    """httpx `mounts` sending a loopback `url` past any proxy (None: the client's own transport); else none."""
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        return {}  # the client's own construction says what is wrong with it
    if not is_loopback(host):
        return {}
    return {f"all://{f'[{host}]' if ':' in host else host}": None}
