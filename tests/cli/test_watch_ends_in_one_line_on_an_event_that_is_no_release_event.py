"""A stream message that is no release event ends `watch` with one red line and exit 3, never a traceback.

Whatever answers at GREENLIGHT_URL (a broken API, a proxy, another server) may stream anything. Data that was a
JSON list or string, or an object without a state name (or with a seq that is text), reached the watch loop as it
came: AttributeError, KeyError or TypeError with a traceback, exit 1, which a deploy script reads as a failed
release. Now it is "could not follow" (3), the line naming the event's offset and never its data.
"""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from tests.cli.conftest import cli, make_release
from tests.cli.stub_api import StubApi

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize(("data", "said"), [
    ("[1, 2]", "sent event 9 as a JSON list, not an object"),
    ('"s3cr3t"', "sent event 9 as a JSON string, not an object"),
    ("null", "sent event 9 as JSON null, not an object"),
    ("{s3cr3t", "sent event 9 that is not JSON"),
    ('{"release_id": "r1", "seq": 3, "note": "s3cr3t"}', "sent event 9 without a state name"),
    ('{"release_id": "r1", "seq": "3", "state": "built"}', "sent event 9 whose seq is no whole number"),
    ('{"release_id": "r1", "seq": 3, "state": "built", "release": ["s3cr3t"]}',
     "sent event 9 whose release is no JSON object"),
])
def test_an_event_that_is_no_release_event_ends_the_watch_in_one_line(stub: StubApi, data: str, said: str) -> None:
    stub.add(make_release("r1"))
    stub.advance("r1", S.BUILDING)
    stub.raw_stream_messages = [f"id: 9\nevent: built\ndata: {data}"]

    result = cli(stub, "watch", "r1")

    assert result.exit_code == 3, result.output
    assert result.stderr == (f"error: the event stream from {stub.url} {said}: is GREENLIGHT_URL the Greenlight "
                             "API's address?\n")
    assert "s3cr3t" not in result.output


def test_json_lines_end_the_same_way(stub: StubApi) -> None:
    stub.add(make_release("r1"))
    stub.raw_stream_messages = ["id: 9\nevent: built\ndata: [1, 2]"]
    result = cli(stub, "watch", "r1", "-o", "json")
    assert result.exit_code == 3, result.output
    assert result.stderr.count("\n") == 1 and "as a JSON list" in result.stderr
