"""The fake API server's wire behaviour, checked with raw HTTP: what a real API server would answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fake_k8s import FakeKube

NS = "/api/v1/namespaces"
DEPLOYMENTS = "/apis/apps/v1/namespaces/t/deployments"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def deployment(name: str = "web", image: str = "reg/web@sha256:" + "a" * 64, **spec: Any) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
        "spec": {"replicas": 2, "progressDeadlineSeconds": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "app", "image": image}]}}, **spec},
    }


@pytest.fixture
async def api() -> AsyncIterator[tuple[FakeKube, aiohttp.ClientSession]]:
    fake = FakeKube(rollout_delay=0.05, bookmark_interval=0.1)
    await fake.start()
    headers = {"Authorization": f"Bearer {fake.token}"}
    try:
        async with aiohttp.ClientSession(fake.url, headers=headers) as session:
            async with session.post(NS, json={"apiVersion": "v1", "kind": "Namespace",
                                              "metadata": {"name": "t"}}) as response:
                assert response.status == 201
            yield fake, session
    finally:
        await fake.stop()


async def call(session: aiohttp.ClientSession, method: str, path: str, body: Any = None,
               content_type: str = "application/json") -> tuple[int, dict[str, Any]]:
    data = json.dumps(body) if body is not None else None
    async with session.request(method, path, data=data, headers={"Content-Type": content_type}) as response:
        return response.status, await response.json()


async def test_errors_are_status_objects(api: tuple[FakeKube, aiohttp.ClientSession]) -> None:
    fake, session = api
    async with aiohttp.ClientSession(fake.url) as anonymous, anonymous.get(f"{DEPLOYMENTS}/web") as response:
        assert response.status == 401
        assert (await response.json())["reason"] == "Unauthorized"

    status, body = await call(session, "GET", f"{DEPLOYMENTS}/web")
    assert status == 404
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": 'deployments.apps "web" not found', "reason": "NotFound",
                    "details": {"name": "web", "group": "apps", "kind": "deployments"}, "code": 404}

    assert (await call(session, "POST", DEPLOYMENTS, deployment()))[0] == 201
    status, body = await call(session, "POST", DEPLOYMENTS, deployment())
    assert (status, body["reason"], body["code"]) == (409, "AlreadyExists", 409)

    status, body = await call(session, "POST", "/apis/apps/v1/namespaces/nope/deployments", deployment())
    assert (status, body["message"]) == (404, 'namespaces "nope" not found')


async def test_objects_are_validated_against_the_strict_schema(api: tuple[FakeKube, aiohttp.ClientSession],
                                                               ) -> None:
    _, session = api
    status, body = await call(session, "POST", DEPLOYMENTS, deployment(replicaz=3))
    assert (status, body["reason"], body["details"]["kind"]) == (422, "Invalid", "Deployment")
    assert "replicaz" in body["message"]

    wrong_labels = deployment()
    wrong_labels["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    status, body = await call(session, "POST", DEPLOYMENTS, wrong_labels)
    assert status == 422 and body["details"]["causes"][0]["field"] == "spec.template.metadata.labels"


async def test_writes_bump_versions_and_enforce_preconditions(api: tuple[FakeKube, aiohttp.ClientSession],
                                                              ) -> None:
    fake, session = api
    # No status write lands between the reads and writes below: no pod becomes available, and no deadline passes
    # (the 1 s one did, on a busy machine, between the GET and the PUT that sent its resourceVersion: a 409).
    fake.rollouts.delay = 60
    _, created = await call(session, "POST", DEPLOYMENTS, deployment(progressDeadlineSeconds=600))
    meta = created["metadata"]
    assert meta["generation"] == 1 and meta["uid"] and int(meta["resourceVersion"]) > 0

    # metadata-only change: new resourceVersion, same generation
    _, annotated = await call(session, "PATCH", f"{DEPLOYMENTS}/web",
                              {"metadata": {"annotations": {"a": "1"}}}, STRATEGIC)
    assert annotated["metadata"]["generation"] == 1
    assert int(annotated["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])

    # a no-op patch changes nothing, not even the resourceVersion
    _, again = await call(session, "PATCH", f"{DEPLOYMENTS}/web", {"metadata": {"annotations": {"a": "1"}}}, MERGE)
    assert again["metadata"]["resourceVersion"] == annotated["metadata"]["resourceVersion"]

    stale = {"metadata": {"resourceVersion": meta["resourceVersion"]}, "spec": {"replicas": 3}}
    status, body = await call(session, "PATCH", f"{DEPLOYMENTS}/web", stale, MERGE)
    assert (status, body["reason"]) == (409, "Conflict")
    assert "the object has been modified" in body["message"]

    _, current = await call(session, "GET", f"{DEPLOYMENTS}/web")  # with the rollout's first status
    put = {**current, "spec": {**current["spec"], "replicas": 3}}
    put["metadata"] = {**current["metadata"], "resourceVersion": meta["resourceVersion"]}
    assert (await call(session, "PUT", f"{DEPLOYMENTS}/web", put))[0] == 409
    put["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
    status, updated = await call(session, "PUT", f"{DEPLOYMENTS}/web", put)
    assert (status, updated["metadata"]["generation"], updated["spec"]["replicas"]) == (200, 2, 3)


async def test_patch_content_types(api: tuple[FakeKube, aiohttp.ClientSession]) -> None:
    _, session = api
    web = deployment()
    web["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "reg/side:1"})
    await call(session, "POST", DEPLOYMENTS, web)

    # strategic merge: containers merge by name, so the sidecar stays
    _, smp = await call(session, "PATCH", f"{DEPLOYMENTS}/web", {"spec": {"template": {"spec": {
        "containers": [{"name": "app", "image": "reg/web:2"}]}}}}, STRATEGIC)
    assert [(c["name"], c["image"]) for c in smp["spec"]["template"]["spec"]["containers"]] == \
        [("app", "reg/web:2"), ("sidecar", "reg/side:1")]

    # merge patch: the list is replaced
    _, merged = await call(session, "PATCH", f"{DEPLOYMENTS}/web", {"spec": {"template": {"spec": {
        "containers": [{"name": "app", "image": "reg/web:3"}]}}}}, MERGE)
    assert [c["name"] for c in merged["spec"]["template"]["spec"]["containers"]] == ["app"]

    # json patch: a failed `test` is a 422 and nothing is written
    ops = [{"op": "test", "path": "/spec/replicas", "value": 5}, {"op": "replace", "path": "/spec/replicas",
                                                                  "value": 0}]
    status, body = await call(session, "PATCH", f"{DEPLOYMENTS}/web", ops, JSON_PATCH)
    assert (status, body["reason"]) == (422, "Invalid")
    ops[0]["value"] = 2
    assert (await call(session, "PATCH", f"{DEPLOYMENTS}/web", ops, JSON_PATCH))[1]["spec"]["replicas"] == 0

    assert (await call(session, "PATCH", f"{DEPLOYMENTS}/web", {}, "application/yaml"))[0] == 415


async def test_list_filters_by_label_and_field(api: tuple[FakeKube, aiohttp.ClientSession]) -> None:
    _, session = api
    for name in ("web", "api"):
        await call(session, "POST", DEPLOYMENTS, deployment(name))
    _, listing = await call(session, "GET", f"{DEPLOYMENTS}?labelSelector=app%3Dapi")
    assert listing["kind"] == "DeploymentList" and listing["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in listing["items"]] == ["api"]
    _, listing = await call(session, "GET", f"{DEPLOYMENTS}?fieldSelector=metadata.name%3Dweb")
    assert [i["metadata"]["name"] for i in listing["items"]] == ["web"]


async def watch_lines(session: aiohttp.ClientSession, query: str) -> list[dict[str, Any]]:
    """Every event of one watch request, until the server ends it."""
    async with session.get(f"{DEPLOYMENTS}?watch=true&{query}") as response:
        assert response.status == 200
        return [json.loads(line) async for line in response.content if line.strip()]


async def test_watch_streams_rollout_bookmarks_and_ends_on_timeout(api: tuple[FakeKube, aiohttp.ClientSession],
                                                                   ) -> None:
    _, session = api
    _, created = await call(session, "POST", DEPLOYMENTS, deployment())
    version = created["metadata"]["resourceVersion"]

    events = await watch_lines(session, f"resourceVersion={version}&allowWatchBookmarks=true&timeoutSeconds=1")

    types = [e["type"] for e in events]
    assert set(types) == {"MODIFIED", "BOOKMARK"}
    last = [e["object"] for e in events if e["type"] == "MODIFIED"][-1]
    assert last["status"]["observedGeneration"] == 1
    assert last["status"]["updatedReplicas"] == last["status"]["availableReplicas"] == 2
    bookmark = next(e["object"] for e in events if e["type"] == "BOOKMARK")
    assert set(bookmark) == {"kind", "apiVersion", "metadata"} and bookmark["metadata"]["resourceVersion"]


async def test_watch_from_a_compacted_or_forced_version_is_410(api: tuple[FakeKube, aiohttp.ClientSession],
                                                                ) -> None:
    fake, session = api
    fake.force_gone_on_next_watch()
    events = await watch_lines(session, "resourceVersion=1")
    assert events == [{"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f"too old resource version: 1 ({fake.store.version})", "reason": "Expired", "code": 410}}]

    fake.store.history.clear()  # compaction
    await call(session, "POST", DEPLOYMENTS, deployment())
    assert (await watch_lines(session, "resourceVersion=1"))[0]["object"]["code"] == 410


async def test_bad_image_reports_progress_deadline_exceeded(api: tuple[FakeKube, aiohttp.ClientSession]) -> None:
    _, session = api
    _, created = await call(session, "POST", DEPLOYMENTS, deployment(image="reg/bad:1"))

    events = await watch_lines(session, f"resourceVersion={created['metadata']['resourceVersion']}"
                                        "&timeoutSeconds=2")

    final = events[-1]["object"]["status"]
    assert final.get("availableReplicas", 0) == 0 and final["unavailableReplicas"] == 2
    progressing = next(c for c in final["conditions"] if c["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")


async def test_only_the_repository_name_marks_an_image_bad(api: tuple[FakeKube, aiohttp.ClientSession]) -> None:
    # A pushed image is pinned by a random digest: "bad" in the hex (1 push in ~70) must not fail its rollout.
    _, session = api
    image = "127.0.0.1:5001/web:bad@sha256:" + "bad" + "0" * 61
    _, created = await call(session, "POST", DEPLOYMENTS, deployment(image=image))

    async with session.get(f"{DEPLOYMENTS}?watch=true&resourceVersion={created['metadata']['resourceVersion']}"
                           "&timeoutSeconds=5") as response:
        async for line in response.content:
            status = json.loads(line)["object"]["status"]
            if status.get("availableReplicas") == 2:
                break
        else:
            raise AssertionError("the rollout never became available")


async def test_watch_without_a_version_starts_with_added_and_reports_deletes(
        api: tuple[FakeKube, aiohttp.ClientSession]) -> None:
    _, session = api
    await call(session, "POST", DEPLOYMENTS, deployment("web"))
    async with session.get(f"{DEPLOYMENTS}?watch=1&fieldSelector=metadata.name%3Dweb&timeoutSeconds=5") as response:
        first = json.loads(await response.content.readline())
        assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "web")
        status, deleted = await call(session, "DELETE", f"{DEPLOYMENTS}/web")
        assert status == 200
        async for line in response.content:
            event = json.loads(line)
            if event["type"] == "DELETED":
                assert event["object"]["metadata"]["resourceVersion"] == deleted["metadata"]["resourceVersion"]
                break
        else:
            raise AssertionError("no DELETED event before the watch ended")
    assert (await call(session, "GET", f"{DEPLOYMENTS}/web"))[0] == 404
