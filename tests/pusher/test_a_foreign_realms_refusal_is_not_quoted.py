"""A token realm the registry names on a host nobody trusted is asked anonymously, and its refusal is not quoted.

Credentials go only to the registry's own host and the hosts the operator names (RealmPolicy); without credentials
the realm is still asked, as a public image's pull needs. A hostile or compromised registry could name a realm at any
address the services reach (a metadata service, an internal page), and the first 300 characters of what answered
there became the release's failure reason, shown by the API and the dashboard. Now only its status and host are.
"""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from tests.harness import serving

INTERNAL = "instance-role-credentials: AKIA-internal-only"


async def refused_by(realm_host: str) -> str:
    async def realm(request: web.Request) -> web.Response:
        return web.Response(status=403, text=INTERNAL)

    realm_app = web.Application()
    realm_app.router.add_get("/token", realm)
    async with serving(realm_app, 0) as realm_url:
        port = realm_url.rsplit(":", 1)[1]

        async def manifest(request: web.Request) -> web.Response:
            challenge = f'Bearer realm="http://{realm_host}:{port}/token",service="registry"'
            return web.Response(status=401, headers={"WWW-Authenticate": challenge})

        registry_app = web.Application()
        registry_app.router.add_route("*", "/v2/{name}/manifests/{ref}", manifest)
        async with serving(registry_app, 0) as registry_url, httpx.AsyncClient(timeout=10) as client:
            with pytest.raises(RegistryRefused) as refused:
                await HttpRegistryApi(client).manifest_digest(Login(registry=registry_url.removeprefix("http://")),
                                                             "app", "tag")
    return str(refused.value)


async def test_a_realm_on_another_host_is_told_by_status_and_host() -> None:
    told = await refused_by("localhost")  # the registry is 127.0.0.1: another host to the policy
    assert INTERNAL not in told, told
    assert told == "token service refused (403) at http://localhost, where no credentials go (its answer is not shown)"


async def test_the_registrys_own_realm_is_quoted() -> None:
    assert INTERNAL in await refused_by("127.0.0.1")
