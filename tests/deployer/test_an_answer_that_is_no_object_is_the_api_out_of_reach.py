"""A 2xx answer whose body is not a JSON object is the API server out of reach, retried, not a crash in a step.

A captive or misrouted proxy in front of the API server answers 200 with its own HTML page. The adapter took that
answer's body for the object it asked for, `{"message": "<html>…"}`, and the step reading its `metadata` failed with
a KeyError: an unexpected exception, the release failed at once with a traceback's text. Now the answer is
`PlatformUnavailable` naming the status and the start of what came instead, which the broker's backoff retries and
the release's `last_retry_error` tells, as it does a 502.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from services.shared.kube.opening import open_kube_platform
from services.shared.kube.settings import KubeSettings
from services.shared.platform import AppRef, PlatformUnavailable
from tests.harness import serving

BODIES = {
    "an HTML page": (b"<html><body>Sign in to the proxy</body></html>", "text/html",
                     "'<html><body>Sign in to the proxy</body></html>'"),
    "a JSON list": (b"[1, 2]", "application/json", "'[1, 2]'"),
    "nothing": (b"", "application/json", "an empty body"),
}


@contextlib.asynccontextmanager
async def answering(body: bytes, content_type: str, tmp_path: Path) -> AsyncIterator[Path]:
    """An API server that answers every request 200 with `body`, and a kubeconfig naming it."""
    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=200, body=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", answer)
    async with serving(app, 0) as url:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": url}}],
            "users": [{"name": "u", "user": {"token": "t"}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}))
        yield kubeconfig


@pytest.mark.parametrize("case", list(BODIES))
async def test_an_answer_that_is_no_object_is_the_api_out_of_reach(case: str, tmp_path: Path) -> None:
    body, content_type, told = BODIES[case]
    async with answering(body, content_type, tmp_path) as kubeconfig, \
            open_kube_platform(KubeSettings(kubeconfig=str(kubeconfig))) as platform:
        with pytest.raises(PlatformUnavailable) as raised:
            await platform.ensure_app(AppRef("demo"))
    shown = str(raised.value)
    assert shown == f"Kubernetes API answered 200 without a JSON object: {told}", shown
    assert raised.value.dependency == "Kubernetes API"
