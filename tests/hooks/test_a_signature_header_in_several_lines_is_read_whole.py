"""`Greenlight-Signature` is a comma-separated list (`t=`, one `v1=` per secret), so a sender may send it as several
header lines (Go's Header.Add, a list in Node's setHeader), which HTTP makes the same as one line joining them with
commas (RFC 9110, 5.3). A sender rotating its secret adds the new key's `v1=` in a line of its own: only the first
line was read, so once Greenlight held the new secret every such delivery was a 401."""

from __future__ import annotations

import json
import time

from services.shared.signing import SIGNATURE_HEADER, sign
from tests.hooks.conftest import GENERIC_SECRET, Client, releases_of
from tests.hooks.git_daemon import Served

OLD_SECRET = "the-generic-secret-rotated-away"


def push(served: Served, commit: str, delivery: str) -> bytes:
    return json.dumps({"repository": served.url, "ref": "refs/heads/main", "after": commit,
                       "delivery": delivery}).encode()


async def test_the_new_secrets_v1_in_a_second_line_is_read(api: Client, served: Served) -> None:
    body = push(served, served.push("second"), "rotating-1")
    now = int(time.time())
    lines = [(SIGNATURE_HEADER, sign(OLD_SECRET, body, now)),
             (SIGNATURE_HEADER, sign(GENERIC_SECRET, body, now).split(",", 1)[1])]  # `v1=` alone
    response = await api.post("/hooks/generic", data=body, headers=lines)
    assert response.status == 202, await response.text()
    assert [r.commit for r in await releases_of(api)] == [json.loads(body)["after"]]


async def test_a_whole_signature_per_line_is_read_too(api: Client, served: Served) -> None:
    body = push(served, served.push("second"), "rotating-2")
    now = int(time.time())
    lines = [(SIGNATURE_HEADER, sign(OLD_SECRET, body, now)), (SIGNATURE_HEADER, sign(GENERIC_SECRET, body, now))]
    response = await api.post("/hooks/generic", data=body, headers=lines)
    assert response.status == 202, await response.text()


async def test_lines_none_of_which_match_are_still_refused(api: Client, served: Served) -> None:
    body = push(served, served.push("second"), "rotating-3")
    lines = [(SIGNATURE_HEADER, sign(OLD_SECRET, body)), (SIGNATURE_HEADER, sign("yet-another-wrong-secret", body))]
    response = await api.post("/hooks/generic", data=body, headers=lines)
    assert response.status == 401
    assert await releases_of(api) == []
