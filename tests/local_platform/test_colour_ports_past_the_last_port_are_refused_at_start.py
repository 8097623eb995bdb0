"""Colour ports past 65535 (or below 1) are refused at start, in one line naming the settings that give them.

GREENLIGHT_LOCAL_COLOUR_PORT_BASE is at most 65000 and GREENLIGHT_LOCAL_SLOTS at most 500, each valid alone: together
they gave slots ports up to 65999, and a pinned app's green port is its blue + 1. The generated HAProxy config then
named servers on ports that do not exist, and HAProxy refused it with its own words, naming no setting.
"""

from __future__ import annotations

import pytest

from services.shared.settings import StartupError
from services.shared.startup import load_settings
from services.switcher.settings import SwitcherSettings

CASES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "slots past the last port": ({"GREENLIGHT_LOCAL_COLOUR_PORT_BASE": "65000", "GREENLIGHT_LOCAL_SLOTS": "500"},
                                 ("GREENLIGHT_LOCAL_COLOUR_PORT_BASE", "GREENLIGHT_LOCAL_SLOTS", "65535")),
    "a pin whose green is past it": ({"GREENLIGHT_LOCAL_APP_PORTS": '{"shop": 65535}'},
                                     ("GREENLIGHT_LOCAL_APP_PORTS", "shop", "65535")),
    "a pin below the first port": ({"GREENLIGHT_LOCAL_APP_PORTS": '{"shop": 0}'},
                                   ("GREENLIGHT_LOCAL_APP_PORTS", "shop")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_ports_that_do_not_exist_are_refused_at_start(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env, named = CASES[case]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StartupError) as raised:
        load_settings(SwitcherSettings)
    line = str(raised.value)
    assert "\n" not in line and all(word in line for word in named), line


def test_the_last_slot_on_the_last_ports_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_LOCAL_COLOUR_PORT_BASE", "65000")
    monkeypatch.setenv("GREENLIGHT_LOCAL_SLOTS", "268")  # 65000 + 2 * 268 - 1 = 65535
    assert load_settings(SwitcherSettings).platform.local.slots == 268
