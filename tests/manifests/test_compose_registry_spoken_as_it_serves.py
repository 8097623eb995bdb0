"""compose.yaml's builder and pusher speak to its registry in the scheme it serves. The bundled `registry:2` serves
plain http (no TLS settings), and `registry:5000` is no loopback host, so the default `auto` would pick https: the
builder's lookups and the pusher's digest read-back then met a TLS error on every release, retried until the budget
was spent, while the engine (started with --insecure-registry) pushed fine."""

from __future__ import annotations

import httpx
import pytest

from services.builder.settings import BuilderSettings
from services.pusher.settings import PusherSettings
from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.settings import RegistryAccess
from tests.manifests.repo_files import compose_services
from tests.manifests.test_compose_postgres import interpolate


def the_registry_serves_tls() -> bool:
    environment = compose_services()["registry"].get("environment") or {}
    return any(name.startswith("REGISTRY_HTTP_TLS_") for name in environment)


@pytest.mark.parametrize(("service", "settings_class"), [("builder", BuilderSettings), ("pusher", PusherSettings)])
async def test_the_registry_is_spoken_to_in_the_scheme_it_serves(
        monkeypatch: pytest.MonkeyPatch, service: str, settings_class: type[RegistryAccess]) -> None:
    for name, value in compose_services()[service]["environment"].items():
        monkeypatch.setenv(name, interpolate(str(value), {}))
    settings = settings_class()
    assert settings.registry.partition("/")[0] == "registry:5000"  # the bundled registry service
    async with httpx.AsyncClient() as client:
        url = HttpRegistryApi(client, settings.registry_scheme).base_url(settings.registry)
    assert url.startswith("https://" if the_registry_serves_tls() else "http://"), url
