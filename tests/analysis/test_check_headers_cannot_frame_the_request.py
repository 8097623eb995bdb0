"""An http check's `headers` (greenlight.yaml: repository content, hostile) may not set the request's framing, its
Host or characters a header cannot hold. The analysis service measures every app through one connection pool (on
the local platform every app's preview and live Service is one HAProxy address, routed by Host):
- `Content-Length` on a request without a body, or `Transfer-Encoding: chunked`, left the pooled connection out of
  step: the next request on it, another app's check, was read as the body of this one: that app's measurement
  answered 400 or nothing within its timeout, a failed post-promotion measurement, and that app rolled back;
- `Host` measured another app there, its value published with this release's measurements;
- a CR or LF in a value made aiohttp raise ValueError, no ClientError: the handler crashed into retries, and then
  "analysis gave up".
greenlight.yaml is refused, naming the header, as any other invalid field is."""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpecError, parse_app_spec
from services.shared.events import ReleaseEvent
from tests.analysis.running import analysing

SPEC = """
analysis:
  pre:
    - name: health
      http: {{path: /check, headers: {{{header}}}}}
"""


@pytest.mark.parametrize("header", [
    '"Content-Length": "30"', '"transfer-encoding": chunked', "Host: other.localhost", "Connection: close",
    '"X-Token": "a\\r\\nContent-Length: 30"', '"X Token": a', '"X-Token:": a', '"": a'])
def test_a_header_that_could_frame_the_request_is_refused(header: str) -> None:
    with pytest.raises(AppSpecError, match=r"analysis\.pre\.0\.http\.headers"):
        parse_app_spec(SPEC.format(header=header))


def test_ordinary_headers_are_kept() -> None:
    spec = parse_app_spec(SPEC.format(header='Authorization: "Bearer abc", "X-Probe": "1", Accept: "*/*"'))
    check = spec.analysis.pre[0]
    assert check.http is not None and check.http.headers == {
        "Authorization": "Bearer abc", "X-Probe": "1", "Accept": "*/*"}


def test_a_logged_release_with_such_a_header_is_still_read() -> None:
    """The rule is greenlight.yaml's: a release logged before it is read back, or its events could not be parsed."""
    event = analysing("r1", "http://preview/", {"name": "health", "http": {"path": "/", "headers": {"Host": "x"}}})
    again = ReleaseEvent.model_validate_json(event.model_dump_json())
    assert again.release.spec is not None
    http = again.release.spec.analysis.pre[0].http
    assert http is not None and http.headers == {"Host": "x"}
