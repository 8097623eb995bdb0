"""Bearer tokens: configured only as sha256 digests (setting or secrets file), roles enforced, never logged."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.auth import load_tokens
from services.approval.settings import ApprovalSettings, Role
from services.shared.settings import BusSettings
from tests.approval.conftest import REPO, REQUESTER, api_client

Client = TestClient[web.Request, web.Application]


def entry(name: str, token: str, *roles: str) -> dict[str, object]:
    return {"name": name, "roles": list(roles), "token_sha256": hashlib.sha256(token.encode()).hexdigest()}


async def test_missing_or_wrong_token_is_401_with_a_challenge(client: Client) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic cmVxdWVzdGVyLXRva2Vu"},
                    {"Authorization": "Bearer"}):
        response = await client.get("/releases", headers=headers)
        assert response.status == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await response.json())["error"]


async def test_public_routes_need_no_token(client: Client) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/"):
        assert (await client.get(path)).status == 200, path


async def test_a_token_in_the_url_is_accepted_nowhere(client: Client) -> None:
    # Proxies log URLs: streams take a single-use ticket instead (test_stream_tickets.py).
    assert (await client.get("/releases?access_token=requester-token")).status == 401
    assert (await client.get("/releases/nope/events?access_token=requester-token")).status == 401
    assert (await client.get("/events?access_token=requester-token")).status == 401


async def test_roles_from_the_tokens_setting_and_the_secrets_file(bus_settings: BusSettings,
                                                                  tmp_path: Path) -> None:
    secrets = tmp_path / "tokens.json"
    secrets.write_text(json.dumps([entry("rita", "rita-secret", "requester")]))
    settings = ApprovalSettings.model_validate({
        "tokens": [entry("amy", "amy-secret", "approver")], "tokens_file": secrets, "bus": bus_settings,
    })
    async with api_client(settings) as client:
        body = {"app": "demo", "repository": REPO, "commit": "main"}
        refused = await client.post("/releases", json=body, headers={"Authorization": "Bearer amy-secret"})
        assert refused.status == 403
        assert "requester" in (await refused.json())["error"]
        accepted = await client.post("/releases", json=body, headers={"Authorization": "Bearer rita-secret"})
        assert accepted.status == 202
        assert (await accepted.json())["requested_by"] == "rita"
        # Dev tokens are off unless asked for.
        assert (await client.get("/releases", headers=REQUESTER)).status == 401


def test_tokens_setting_is_read_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_API_TOKENS", json.dumps([entry("ops", "ops-secret", "admin")]))
    monkeypatch.setenv("GREENLIGHT_API_PORT", "8123")
    monkeypatch.setenv("GREENLIGHT_ALLOW_LOCAL_REPOS", "true")
    settings = ApprovalSettings()
    assert (settings.port, settings.allow_local_repos) == (8123, True)
    table = load_tokens(settings)
    ops = table.identify("ops-secret")
    assert ops is not None and ops.name == "ops" and ops.has(Role.APPROVER) and ops.is_admin
    assert table.identify("ops-secret ") is None and table.identify("") is None


def test_settings_defaults() -> None:
    settings = ApprovalSettings()
    assert settings.port == 8000 and settings.max_body_bytes == 64 * 1024
    assert not settings.dev_tokens and not settings.allow_admin_self_approval and not settings.allow_local_repos


def test_a_token_must_be_configured_hashed() -> None:
    with pytest.raises(ValueError, match="token_sha256"):
        ApprovalSettings.model_validate({"tokens": [{"name": "x", "roles": ["admin"], "token_sha256": "plain"}]})


async def test_tokens_never_reach_the_logs(client: Client, capsys: pytest.CaptureFixture[str],
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for token in ("requester-token", "wrong-secret-token"):
        await client.post("/releases", json={"app": "demo", "repository": REPO, "commit": "main"},
                          headers={"Authorization": f"Bearer {token}"})
        await client.get(f"/releases/x/events?access_token={token}")
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert "requester-token" not in logged and "wrong-secret-token" not in logged
