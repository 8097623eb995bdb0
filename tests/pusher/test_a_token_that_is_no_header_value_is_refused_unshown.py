"""A bearer token goes into an `Authorization` header, which holds visible ASCII only. A registry token set with a
trailing line break (a Kubernetes Secret made with `echo`, a file read whole) made every registry request fail in
h11 with `LocalProtocolError("Illegal header value b'Bearer <the token>\\n'")`: taken for the registry being
unreachable, retried to the budget, and its text, token and all, put in each log line and the failed release's
reason (redaction looked for the token with a real line break, the text held an escaped one). A token service
answering such a token did the same; a non-ASCII one raised a bare UnicodeEncodeError. The setting is refused at
start naming the variable, a token service's answer is refused at once, and neither token is ever shown."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr

from services.pusher.settings import PusherSettings
from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import Login
from services.shared.registry.errors import RegistryRefused
from services.shared.startup import StartupError, load_settings
from tests.pusher.token_registry import token_auth_registry

SECRET = "s3cret-registry-token"


@pytest.mark.parametrize("sent", [f"{SECRET}\n", f"{SECRET}\r\nX-Injected: 1", f"{SECRET}-ü", f"{SECRET} x"])
async def test_a_token_services_illegal_token_is_refused_unshown(unused_tcp_port: int, sent: str) -> None:
    async def token(request: web.Request) -> web.Response:
        return web.json_response({"token": sent})

    async with token_auth_registry(unused_tcp_port, token) as registry, httpx.AsyncClient(timeout=10) as client:
        with pytest.raises(RegistryRefused, match="token service answered a token that is no legal header") as err:
            await HttpRegistryApi(client).manifest_digest(Login(registry=registry), "app", "tag")
    assert SECRET not in str(err.value)


async def test_a_static_token_with_a_line_break_is_refused_unshown(unused_tcp_port: int) -> None:
    async def token(request: web.Request) -> web.Response:
        raise AssertionError("a static token is not traded")

    async with token_auth_registry(unused_tcp_port, token) as registry, httpx.AsyncClient(timeout=10) as client:
        login = Login(registry=registry, token=SecretStr(f"{SECRET}\n"))
        with pytest.raises(RegistryRefused, match="registry token is no legal header value") as err:
            await HttpRegistryApi(client).manifest_digest(login, "app", "tag")
    assert SECRET not in str(err.value) and "Traceback" not in str(err.value)


def test_the_setting_is_refused_at_start_unshown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_PUSHER_REGISTRY_TOKEN", f"{SECRET}\n")
    with pytest.raises(StartupError, match=r"^GREENLIGHT_PUSHER_REGISTRY_TOKEN is invalid: .*line break") as err:
        load_settings(PusherSettings)
    assert SECRET not in str(err.value)
