"""Who pushed is read from a payload only once its signature (or token) is checked: a forged push that names a
pusher is a 401 and starts no release, and a signed generic push whose `pusher` was changed after signing is too."""

from __future__ import annotations

import json

import pytest

from services.shared.settings import BusSettings
from services.shared.signing import SIGNATURE_HEADER, sign
from tests.hooks.conftest import GENERIC_SECRET, releases_of
from tests.hooks.git_daemon import Served
from tests.hooks.pushers import people_api, push_request

FORGED = {"github": {"X-Hub-Signature-256": "sha256=" + "0" * 64}, "gitlab": {"X-Gitlab-Token": "a-guessed-token"},
          "generic": {SIGNATURE_HEADER: sign("another-key-of-16-chars", b"{}")}}


@pytest.mark.parametrize("host", ["github", "gitlab", "generic"])
async def test_a_forged_push_naming_a_pusher_is_refused(bus_settings: BusSettings, served: Served,
                                                        postgres_url: str, host: str) -> None:
    async with people_api(bus_settings, served, {}) as api:
        path, body, headers = push_request(host, served.url, served.push("forged"), "mallory", "forged-1")
        response = await api.post(path, data=body, headers={**headers, **FORGED[host]})
        assert response.status == 401, await response.text()
        assert await releases_of(api) == []


async def test_a_pusher_changed_after_signing_is_refused(bus_settings: BusSettings, served: Served,
                                                         postgres_url: str) -> None:
    async with people_api(bus_settings, served, {}) as api:
        _, body, headers = push_request("generic", served.url, served.push("signed"), "alice", "signed-1")
        swapped = json.dumps({**json.loads(body), "pusher": "nobody"}).encode()
        response = await api.post("/hooks/generic", data=swapped, headers=headers)
        assert response.status == 401, await response.text()
        assert sign(GENERIC_SECRET, swapped) != headers[SIGNATURE_HEADER]
        assert await releases_of(api) == []
