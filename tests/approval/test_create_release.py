"""POST /releases: accepted with a Location, resolved to a commit, visible at once; every refusal is JSON."""

from __future__ import annotations

import json

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState
from tests.approval.conftest import APPROVER, REPO, REQUESTER, reach
from tests.approval.fakes import MAIN_SHA

Client = TestClient[web.Request, web.Application]


async def test_accepted_release_is_resolved_recorded_and_readable_at_once(client: Client) -> None:
    response = await client.post("/releases", json={"app": "demo", "repository": REPO, "commit": "main"},
                                 headers=REQUESTER)
    assert response.status == 202
    body = await response.json()
    assert response.headers["Location"] == f"/releases/{body['id']}"
    assert len(body["id"]) == 32 and int(body["id"], 16) >= 0  # uuid4 hex
    assert (body["state"], body["commit"], body["ref"]) == ("requested", MAIN_SHA, "main")
    assert body["requested_by"] == "dev-requester"
    assert body["links"] == {"self": f"/releases/{body['id']}", "events": f"/releases/{body['id']}/events",
                             "approve": f"/releases/{body['id']}/approve",
                             "reject": f"/releases/{body['id']}/reject"}
    # Read-your-write: the GET right after the POST already knows the release.
    detail = await client.get(body["links"]["self"], headers=REQUESTER)
    assert detail.status == 200
    assert (await detail.json())["release"]["state"] == "requested"
    await reach(client, body["id"], ReleaseState.REQUESTED)
    history = (await (await client.get(body["links"]["self"], headers=REQUESTER)).json())["history"]
    assert [(e["seq"], e["state"], e["actor"]) for e in history] == [(1, "requested", "dev-requester")]
    assert history[0]["offset"] >= 0


async def test_full_sha_is_taken_as_is(client: Client) -> None:
    sha = "ab" * 20
    response = await client.post("/releases", json={"app": "demo", "repository": REPO, "commit": sha},
                                 headers=APPROVER)
    assert response.status == 202
    assert (await response.json())["commit"] == sha


async def test_second_release_of_an_app_in_flight_is_refused_with_the_blocker(client: Client) -> None:
    first = await (await client.post("/releases", json={"app": "demo", "repository": REPO, "commit": "main"},
                                     headers=REQUESTER)).json()
    response = await client.post("/releases", json={"app": "demo", "repository": REPO, "commit": "v1"},
                                 headers=REQUESTER)
    assert response.status == 409
    body = await response.json()
    assert body["blocking_release"] == first["id"] and body["state"] == "requested"
    assert isinstance(body["error"], str)
    other = await client.post("/releases", json={"app": "other", "repository": REPO, "commit": "v1"},
                              headers=REQUESTER)
    assert other.status == 202


async def test_unsafe_or_unknown_sources_are_422_with_the_field(client: Client) -> None:
    cases = {
        ("ext::sh -c touch% /tmp/pwned", "main"): "repository",
        ("/srv/git/demo", "main"): "repository",  # local repositories are off by default
        ("file:///srv/git/demo", "main"): "repository",
        (REPO, "--upload-pack=touch /tmp/x"): "commit",
        (REPO, "main..evil"): "commit",
        (REPO, "no-such-branch"): "commit",
    }
    for (repository, commit), field in cases.items():
        response = await client.post("/releases", json={"app": "demo", "repository": repository,
                                                        "commit": commit}, headers=REQUESTER)
        assert response.status == 422, (repository, commit)
        body = await response.json()
        assert body["fields"][0]["loc"] == ["body", field], body
        assert body["error"]


async def test_invalid_bodies_are_json_errors(client: Client) -> None:
    good = {"app": "demo", "repository": REPO, "commit": "main"}

    async def post(data: bytes | str) -> tuple[int, dict[str, object]]:
        response = await client.post("/releases", data=data, headers={**REQUESTER,
                                                                      "Content-Type": "application/json"})
        assert response.content_type == "application/json"
        return response.status, await response.json()

    status, body = await post(json.dumps({**good, "extra": 1}))
    assert status == 422 and {"loc": ["body", "extra"], "msg": "Extra inputs are not permitted"} in body["fields"]
    status, body = await post(json.dumps({**good, "app": "Not_A_Label"}))
    assert status == 422 and body["fields"][0]["loc"] == ["body", "app"]
    status, body = await post(json.dumps({"app": "demo"}))
    assert status == 422 and {tuple(f["loc"]) for f in body["fields"]} == {("body", "repository"),
                                                                            ("body", "commit")}
    status, body = await post(json.dumps([good]))
    assert status == 422 and body["fields"][0]["loc"] == ["body"]
    status, body = await post("")
    assert status == 422 and body["fields"] == [{"loc": ["body"], "msg": "a JSON body is required"}]
    # Truncated, not UTF-8, and nested past the parser's recursion limit (a 500 if not caught).
    for broken in (b"{not json", b"\xff\xfe{", b"[" * 20_000 + b"]" * 20_000):
        status, body = await post(broken)
        assert status == 400 and body == {"error": "The request body is not valid JSON."}


async def test_body_over_64_kib_is_413_json(client: Client) -> None:
    payload = json.dumps({"app": "demo", "repository": REPO, "commit": "main", "pad": "x" * 70_000})
    response = await client.post("/releases", data=payload, headers={**REQUESTER,
                                                                     "Content-Type": "application/json"})
    assert response.status == 413
    assert (await response.json())["error"]


async def test_app_names_the_platform_would_refuse_are_422(client: Client) -> None:
    # `1app` is a DNS-1123 label but no Service name; 56 characters + `-service` is over 63.
    for name in ("1app", "a" * 56, "-app", "App"):
        response = await client.post("/releases", json={"app": name, "repository": REPO, "commit": "main"},
                                     headers=REQUESTER)
        assert response.status == 422, name
        assert (await response.json())["fields"][0]["loc"] == ["body", "app"]
    longest = await client.post("/releases", json={"app": "a" * 55, "repository": REPO, "commit": "main"},
                                headers=REQUESTER)
    assert longest.status == 202
