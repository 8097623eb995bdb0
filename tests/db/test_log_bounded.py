"""The log can be bounded by size: the database is the archive, so nothing is lost when the log is trimmed."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.approval.conftest import REQUESTER, api_client
from tests.db.conftest import HAPPY, chain, publish_all
from tests.harness import observer, wait_for_state

TO_LIVE = (*HAPPY, S.APPROVED, S.SWITCHING, S.LIVE)


async def test_a_service_started_after_the_log_was_trimmed_still_knows_every_release(
        bus_settings: BusSettings, any_database: str) -> None:
    bounded = bus_settings.model_copy(update={"log_max_bytes": 40_000, "log_segment_bytes": 8_000})
    settings = ApprovalSettings(dev_tokens=True, bus=bounded)
    async with api_client(settings) as first:
        bus = Bus(bounded, connection_name="gltest-bounded")
        await bus.connect()
        try:
            await publish_all(bus, chain("r0", app="keep", states=TO_LIVE, standby_colour=Colour.GREEN))
            for i in range(1, 80):
                await publish_all(bus, chain(f"r{i}", app=f"app{i}"))
        finally:
            await bus.close()
        await wait_for_state(first.app[DATABASE],
                             "r79", S.AWAITING_APPROVAL, timeout=30)
    async with observer(bounded) as log:  # what the log itself still holds, read from its start
        await wait_for_state(log, "r79", S.AWAITING_APPROVAL)
        assert "r0" not in log.releases and len(log.releases) < 40
    async with api_client(settings) as restarted:
        listed = []
        cursor = None
        while True:
            params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
            page = await (await restarted.get("/releases", params=params, headers=REQUESTER)).json()
            listed += page["items"]
            if (cursor := page["next_cursor"]) is None:
                break
        assert len(listed) == 80
        app = await (await restarted.get("/apps/keep", headers=REQUESTER)).json()
        assert (app["live_release"]["id"], app["live_colour"]) == ("r0", "green")
        detail = await (await restarted.get("/releases/r0", headers=REQUESTER)).json()
        assert [e["state"] for e in detail["history"]] == ["requested", *(s.value for s in TO_LIVE)]
