"""A registry named by its IPv6 loopback address with a port (`[::1]:5000`) is loopback: plain http, like
127.0.0.1:5000, not https (which a plain registry answers with a TLS error, retried until the budget ends)."""

from __future__ import annotations

import httpx

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from tests.infra import Registries
from tests.pusher.relay import Relay


async def test_ipv6_loopback_with_port_reads_the_registry_over_http(
        registries: Registries, unused_tcp_port: int, test_id: str) -> None:
    host, port = registries.anonymous.rsplit(":", 1)
    front = Relay(unused_tcp_port, (host, int(port)), host="::1")  # the anonymous registry, on [::1]
    await front.open()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            api = HttpRegistryApi(client)
            registry = f"[::1]:{unused_tcp_port}"
            # The registry answers (404: no such repository), which only http gets from it.
            assert await api.manifest_digest(Login(registry=registry), f"none-{test_id}", "latest") is None
            assert api.base_url(registry) == f"http://{registry}"
    finally:
        await front.close()


async def test_loopback_spellings() -> None:
    async with httpx.AsyncClient() as client:
        api = HttpRegistryApi(client)
    for loopback in ("[::1]:5000", "[::1]", "::1", "LOCALHOST:5000", "127.0.0.2:5000"):
        assert api.base_url(loopback).startswith("http://"), loopback
    for remote in ("[2001:db8::1]:5000", "registry.example.com:5000", "localhost.example.com"):
        assert api.base_url(remote).startswith("https://"), remote
