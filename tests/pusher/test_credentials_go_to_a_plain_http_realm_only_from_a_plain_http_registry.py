"""A registry spoken to over https whose challenge named a plain http token realm had its username and password
sent in clear (to its own host, even): anyone on the path could read them. A realm over http is now refused
unless the registry itself is spoken to over http (a loopback registry, or `registry_scheme` http), where they
travel in clear to it anyway."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from tests.pusher.realm_registry import challenging_registry, token_service
from tests.pusher.tls import loopback_tls


def login(registry: str) -> Login:
    return Login(registry=registry, username="ann", password=SecretStr("s3cret-pw"))


async def test_an_https_registry_sends_no_credentials_to_a_plain_http_realm(tmp_path: Path) -> None:
    server, client = loopback_tls(tmp_path)
    async with httpx.AsyncClient(timeout=10, verify=client) as http:
        api = HttpRegistryApi(http, "https")
        async with token_service() as (port, seen), \
                challenging_registry(f"http://127.0.0.1:{port}/token", tls=server) as registry:
            with pytest.raises(RegistryRefused, match=r"plain http") as refused:
                await api.manifest_digest(login(registry), "app", "v1")
            assert seen == []
            assert registry in str(refused.value) and "s3cret" not in str(refused.value)
        # Over https, the same realm gets them.
        async with token_service(tls=server) as (port, seen), \
                challenging_registry(f"https://127.0.0.1:{port}/token", tls=server) as registry:
            assert await api.manifest_digest(login(registry), "app", "v1") is None
            assert len(seen) == 1


async def test_a_plain_http_registry_may_name_a_plain_http_realm(http: httpx.AsyncClient) -> None:
    async with token_service() as (port, seen), challenging_registry(f"http://127.0.0.1:{port}/token") as registry:
        assert await HttpRegistryApi(http).manifest_digest(login(registry), "app", "v1") is None
    assert len(seen) == 1
