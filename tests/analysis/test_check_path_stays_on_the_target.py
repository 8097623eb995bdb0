"""An http check's `path` (greenlight.yaml: repository content, hostile) is a path on the preview or the live
Service, never another host. Joined with `urljoin`, a path such as `/http://10.0.0.5/...` (or `/ http://...`,
`/HTTPS://...`) was an absolute URL: the analysis service requested any host its network reaches (a cloud's
metadata service, RabbitMQ's management API on loopback with the check's own Authorization header) and
published the value at the `jsonpath` in the measurement, for anyone who reads the release."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from services.analysis.http_probe import HttpProbe
from services.analysis.probes import Target
from services.analysis.verdicts import Verdict
from services.shared.analysis_spec import Check
from tests.harness import serving


class Recorder:
    """Answers every path with a secret, and records the paths it was asked for."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._any)

    async def _any(self, request: web.Request) -> web.Response:
        self.paths.append(request.raw_path)
        return web.json_response({"token": "s3cret-internal-token"})


@pytest.mark.parametrize("form", ["/{url}/token", "/ {url}/token", "/\t{url}/token", "/{upper}/token"])
async def test_a_path_naming_another_host_is_requested_on_the_target(form: str) -> None:
    preview, internal = Recorder(), Recorder()
    async with serving(preview.app, 0) as preview_url, serving(internal.app, 0) as internal_url, \
            aiohttp.ClientSession() as session:
        path = form.format(url=internal_url, upper=internal_url.upper())
        check = Check.model_validate({"name": "steal", "success": '== "x"', "http": {
            "path": path, "jsonpath": "$.token", "timeout": 5}})
        measurement = await HttpProbe(session).measure(check, Target(preview_url + "/", "demo", "green", "r1"))
    assert internal.paths == [], f"the check reached another host: {measurement}"
    assert len(preview.paths) == 1  # asked of the preview, whatever it makes of such a path
    assert measurement.verdict is not Verdict.SUCCESSFUL
