"""Colour ports that overlap HAProxy's frontends are refused at start, in one line naming both settings.

Containers share the host network: GREENLIGHT_LOCAL_COLOUR_PORT_BASE set low (8080, 16 slots: 8080-8111) gave a
slot's colour the live frontend's port 8088; HAProxy then bound it first and the colour's container could not listen
(never ready), or the container came first and HAProxy could not start. A pinned app's ports, or the two frontends on
one port, collided the same way.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.shared.local import LocalSettings
from services.shared.settings import StartupError
from services.shared.startup import load_settings
from services.switcher.settings import SwitcherSettings

CASES: dict[str, tuple[dict[str, str], str, str]] = {
    "colour range over the live port": ({"GREENLIGHT_LOCAL_COLOUR_PORT_BASE": "8080"},
                                        "GREENLIGHT_LOCAL_COLOUR_PORT_BASE", "GREENLIGHT_LOCAL_LIVE_PORT"),
    "colour range over the preview port": ({"GREENLIGHT_LOCAL_PREVIEW_PORT": "9131"},
                                           "GREENLIGHT_LOCAL_COLOUR_PORT_BASE", "GREENLIGHT_LOCAL_PREVIEW_PORT"),
    "a pinned app's green on the live port": ({"GREENLIGHT_LOCAL_APP_PORTS": '{"shop": 8087}'},
                                              "GREENLIGHT_LOCAL_APP_PORTS", "GREENLIGHT_LOCAL_LIVE_PORT"),
    "both frontends on one port": ({"GREENLIGHT_LOCAL_PREVIEW_PORT": "8088"},
                                   "GREENLIGHT_LOCAL_LIVE_PORT", "GREENLIGHT_LOCAL_PREVIEW_PORT"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_overlap_refused_at_start_naming_both_settings(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env, one, other = CASES[case]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StartupError) as raised:
        load_settings(SwitcherSettings)
    line = str(raised.value)
    assert "\n" not in line and one in line and other in line, line


def test_the_frontends_beside_the_colour_range_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    # The defaults, and a range that ends just below the live port (8056 + 2 * 16 = 8088).
    assert LocalSettings().colour_port_base == 9100
    monkeypatch.setenv("GREENLIGHT_LOCAL_COLOUR_PORT_BASE", "8056")
    assert load_settings(SwitcherSettings).platform.local.colour_port_base == 8056


def test_local_settings_built_in_code_are_checked_too() -> None:
    with pytest.raises(ValidationError, match="GREENLIGHT_LOCAL_COLOUR_PORT_BASE"):
        LocalSettings(colour_port_base=8080, live_port=8090, preview_port=8091, slots=8)
