"""A standby's look at the notifier's queue that the broker never answers (the connection open, no byte back) is
given up within GREENLIGHT_NOTIFIER_BROKER_TIMEOUT in one warning line, said once however long it lasts; the call is
left to end, not cut off (the broker may close the whole connection then), and no other look starts meanwhile. Once
the broker answers again, that call ends and the looks go on, on the same connection. Before, the look had no bound:
it held the looks' loop, and a stop, until the heartbeats found the connection stuck (about 3 min; never without
heartbeats), and nothing was said."""

from __future__ import annotations

import pytest

from services.notifier.active import ActiveReplica
from services.notifier.app import create_app
from services.notifier.configurations import Configurations
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import rig
from tests.notifier.log_lines import lines_logged
from tests.notifier.receiver import Receiver
from tests.notifier.standby import LOOK_EVERY, consumed_elsewhere
from tests.notifier.test_a_rebinding_round_the_broker_never_answers_is_abandoned import Calls
from tests.tcp_proxy import proxied

BOUND = 0.5  # GREENLIGHT_NOTIFIER_BROKER_TIMEOUT
ROUND_EVERY = 0.2  # GREENLIGHT_NOTIFIER_REBIND_INTERVAL: the rounds' database steps go on, a clock for the test
WITHIN = 20.0  # the bound, or a few rounds, on a loaded machine, with room
GIVEN_UP = "did not answer a look at the notifier's queue within GREENLIGHT_NOTIFIER_BROKER_TIMEOUT"


async def test_a_look_the_broker_never_answers_is_said_once_and_left_to_end(
        bus_settings: BusSettings, database_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    looks = Calls(monkeypatch, ActiveReplica, "_consumed_elsewhere")  # a standby's whole look on the broker
    rounds = Calls(monkeypatch, Configurations, "newest")  # a round's first step, on the database
    async with rig(bus_settings, database_url, receiver, notifier=False) as r, \
            consumed_elsewhere(r.bus, r.settings.work_queue), proxied(bus_settings) as (proxy, via_proxy):
        settings = r.settings.model_copy(update={
            "bus": via_proxy.model_copy(update={"partition_check_interval": LOOK_EVERY}),
            "broker_timeout": BOUND, "rebind_interval": ROUND_EVERY})
        with lines_logged() as lines:
            app = create_app(settings)
            async with serving(app):
                await looks.until(lambda: looks.ended >= 2, timeout=WITHIN)  # standing by
                lost: list[object] = []
                app[BUS].connection.close_callbacks.add(lambda *why: lost.append(why))
                proxy.freeze()
                frozen = looks.begun
                try:
                    await lines.until(lambda: bool(lines.with_text(GIVEN_UP)), timeout=WITHIN)
                    # Four rounds more (0.8 s: sixteen look intervals) without a second look.
                    seen = rounds.begun
                    await rounds.until(lambda: rounds.begun >= seen + 4, timeout=WITHIN)
                    begun = looks.begun
                finally:
                    proxy.thaw()
                assert frozen <= begun <= frozen + 1
                await looks.until(lambda: looks.ended >= begun, timeout=WITHIN)  # the one left ends, answered,
                await looks.until(lambda: looks.ended > begun, timeout=WITHIN)  # and the looks go on
                assert lost == []  # the connection kept: the broker did not close it
    assert [(line["log_level"], line["timeout"]) for line in lines.with_text(GIVEN_UP)] == [("warning", BOUND)]
    assert lines.with_text("could not take the notifier's queue over") == []  # nothing cut off, nothing failed
