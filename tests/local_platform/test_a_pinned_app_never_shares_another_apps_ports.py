"""An app pinned by GREENLIGHT_LOCAL_APP_PORTS never gets a port another app's colours use.

A pin is an app's blue port, its green the next one. Two pins a port apart (`{"shop": 9200, "cart": 9201}`), or on
one port, were accepted, so cart's blue was shop's green; and a new app pinned on ports an app already had (handed
out before the pin was set) was given them all the same. Containers share the host network: the second app's
container could not listen, while its readiness probe and its HAProxy servers reached the other app's container,
which then took the second app's preview and live traffic.
"""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.marks import AppRecord, MarkStore
from services.shared.platform import AppRef, PlatformError
from services.shared.release import Colour
from services.shared.settings import StartupError
from services.shared.startup import load_settings
from services.switcher.settings import SwitcherSettings
from tests.local_platform.fixtures import local_platform

OVERLAPPING = {"a port apart": '{"shop": 9200, "cart": 9201}', "on one port": '{"shop": 9200, "cart": 9200}'}


@pytest.mark.parametrize("case", list(OVERLAPPING))
def test_pins_that_overlap_are_refused_at_start(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_LOCAL_APP_PORTS", OVERLAPPING[case])
    with pytest.raises(StartupError) as raised:
        load_settings(SwitcherSettings)
    line = str(raised.value)
    assert "\n" not in line and "GREENLIGHT_LOCAL_APP_PORTS" in line and "shop" in line and "cart" in line, line


def test_pins_side_by_side_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_LOCAL_APP_PORTS", '{"shop": 9200, "cart": 9202}')
    assert load_settings(SwitcherSettings).platform.local.app_ports == {"shop": 9200, "cart": 9202}


async def test_a_new_app_pinned_on_another_apps_ports_is_refused(local_settings: LocalSettings, test_id: str) -> None:
    other, pinned = f"lp-{test_id}-a", AppRef(f"lp-{test_id}-b", AppSpec(replicas=1))
    blue = local_settings.colour_port_base + 2 * (local_settings.slots - 1)  # the last slot's pair: no frontend
    await MarkStore(local_settings.state_dir).save(AppRecord(app=other, ports={Colour.BLUE: blue,
                                                                                Colour.GREEN: blue + 1}))
    settings = local_settings.model_copy(update={"app_ports": {pinned.name: blue - 1}})  # its green on other's blue
    async with local_platform(settings, pinned.name) as platform:
        with pytest.raises(PlatformError) as refused:
            await platform.ensure_app(pinned)
        record = await platform.marks.load(pinned.name)

    message = str(refused.value)
    assert other in message and "GREENLIGHT_LOCAL_APP_PORTS" in message and str(blue) in message, message
    assert record is None, f"{pinned.name} was given ports {record.ports}"
