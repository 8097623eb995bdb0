"""The http provider: a request to the release's preview or the live Service, judged by its status and, with a
`jsonpath`, by a value in its JSON body.

The app answering is the release's own code, and every repository is hostile: its body is read only when a
`jsonpath` needs it, and at most MAX_BODY bytes of it. The request's timeout bounds the time alone; an app on
loopback can send gigabytes within it, and one analysis service measures every app's releases.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from services.analysis.probes import MAX_ANSWER, Target, capped, judge, measured
from services.analysis.verdicts import Measurement, Verdict
from services.shared.analysis_conditions import compiled_jsonpath
from services.shared.analysis_spec import Check

MAX_BODY = MAX_ANSWER  # the bound of every answer a probe reads (probes.capped)


def loopback(url: str) -> tuple[str, dict[str, str]]:
    """`*.localhost` is loopback (RFC 6761) but glibc does not resolve it: connect to 127.0.0.1, keep Host."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.endswith(".localhost"):
        return url, {}
    netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": host}


def on_target(base: str, path: str) -> str:
    """`path` under the target's URL, whatever it reads as. Joined by `urljoin`, a path that reads as an absolute
    URL (`/http://10.0.0.5/`, also after a space or a tab, which URL parsing strips) replaced the target: a check
    reached any host the service reaches, and its value was published with the measurement."""
    return base.rstrip("/") + "/" + path.lstrip("/")


class HttpProbe:
    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def measure(self, check: Check, target: Target) -> Measurement:
        assert check.http is not None
        spec = check.http
        url, headers = loopback(on_target(target.url, spec.path))
        body: bytes | None = b""
        try:
            async with asyncio.timeout(spec.timeout):
                async with self.session.request(spec.method, url, headers={**headers, **spec.headers},
                                                allow_redirects=False) as response:
                    status = response.status
                    if status in spec.expected_status and spec.jsonpath is not None:
                        body = await capped(response)
        except TimeoutError:
            return measured(check, None, Verdict.FAILED, f"no answer within {spec.timeout:g} s")
        except aiohttp.ClientError as exc:
            return measured(check, None, Verdict.FAILED, f"request failed: {type(exc).__name__}")
        if status not in spec.expected_status:
            return measured(check, status, Verdict.FAILED, f"status {status}, expected {spec.expected_status}")
        if spec.jsonpath is None:
            return measured(check, status, Verdict.SUCCESSFUL, f"status {status}")
        if body is None:
            return measured(check, status, Verdict.INCONCLUSIVE, f"body larger than {MAX_BODY} bytes; not read")
        value: Any
        try:
            found = [m.value for m in compiled_jsonpath(spec.jsonpath).find(json.loads(body))]
        except (ValueError, RecursionError):  # RecursionError: nested past the parser's depth, as unreadable
            return measured(check, status, Verdict.INCONCLUSIVE, "body is not JSON")
        if not found:
            return measured(check, status, Verdict.INCONCLUSIVE, f"nothing at {spec.jsonpath}")
        value = found[0] if len(found) == 1 else found
        return measured(check, value, *judge(check, value))
