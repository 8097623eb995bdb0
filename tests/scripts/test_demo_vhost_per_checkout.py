"""Each checkout's demo platform has its own broker vhost: a second clone, or this one after .local/ was
removed, does not see (or follow) the releases of another platform.

Runs the real scripts/infra/vhost.sh (what scripts/demo.sh gives `greenlight up` as AMQP_URL) in two
clones, then the real approval API on each vhost.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.events import first_event
from services.shared.settings import BusSettings
from tests.approval.conftest import REQUESTER, api_client
from tests.harness import make_release
from tests.scripts.clones import clone, script

VHOST = "scripts/infra/vhost.sh"


@pytest.fixture
def made() -> Iterator[list[str]]:
    """The vhosts the test created, deleted afterwards (only those)."""
    urls: list[str] = []
    yield urls
    for url in urls:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", url.rsplit("/", 1)[1]], capture_output=True,
                       timeout=60)


def amqp_url(checkout: Path, made: list[str]) -> str:
    done = script(checkout, VHOST)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip()
    made.append(url)
    return url


async def test_two_clones_get_two_vhosts_and_a_fresh_local_a_fresh_one(tmp_path: Path, made: list[str]) -> None:
    first, second = clone(tmp_path, "first"), clone(tmp_path, "second")
    url_a, url_b = amqp_url(first, made), amqp_url(second, made)
    assert url_a != url_b
    assert url_a.rsplit("/", 1)[1].startswith("greenlight-first-")
    assert amqp_url(first, made) == url_a  # set-up again: the same platform, the same vhost
    shutil.rmtree(first / ".local")
    assert amqp_url(first, made) not in (url_a, url_b)  # a new platform, a new (empty) log


async def test_a_release_in_flight_on_one_platform_is_not_seen_by_another(
        tmp_path: Path, made: list[str], bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    url_a, url_b = amqp_url(clone(tmp_path, "first"), made), amqp_url(clone(tmp_path, "second"), made)
    on_a = bus_settings.model_copy(update={"amqp_url": SecretStr(url_a)})
    bus = Bus(on_a, connection_name="gltest-other-platform")
    await bus.connect()
    try:
        await bus.publish(first_event(make_release("left-behind", app="tmapp"), actor="ann"))
    finally:
        await bus.close()
    async with api_client(ApprovalSettings(dev_tokens=True, bus=on_a)) as a:
        assert (await (await a.get("/apps/tmapp", headers=REQUESTER)).json())["in_flight"]["id"] == "left-behind"
    on_b = bus_settings.model_copy(update={"amqp_url": SecretStr(url_b)})
    # Each checkout also has its own read model (under its .local/).
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/second.db")
    async with api_client(ApprovalSettings(dev_tokens=True, bus=on_b)) as b:
        assert (await (await b.get("/apps/tmapp", headers=REQUESTER)).json())["in_flight"] is None
        created = await b.post("/releases", json={"app": "tmapp", "repository": "https://example.org/t.git",
                                                  "commit": "main"}, headers=REQUESTER)
        assert created.status == 202  # not "a release of tmapp is already in flight"
