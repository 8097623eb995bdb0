"""A git server that cannot be reached is the server's trouble, not bad input: 503 with Retry-After, not 422."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.repo_policy import RepositorySettings
from tests.approval.conftest import REQUESTER
from tests.ports import free_port as closed_port  # nothing listens there


async def test_an_unreachable_git_server_answers_503(settings: ApprovalSettings) -> None:
    port = closed_port()
    # A loopback git server is allowed only when named (the repository policy, issue 15).
    allowed = settings.model_copy(update={"repository": RepositorySettings(allow=[f"git://127.0.0.1:{port}/*"])})
    async with TestClient(TestServer(create_app(allowed), host="127.0.0.1")) as client:  # the real resolver
        response = await client.post("/releases", headers=REQUESTER, json={
            "app": "demo", "repository": f"git://127.0.0.1:{port}/demo.git", "commit": "main"})
        body = await response.json()
    assert response.status == 503, body
    assert response.headers["Retry-After"] == "10"
    assert "git server unavailable" in body["error"] and "try again" in body["error"]
