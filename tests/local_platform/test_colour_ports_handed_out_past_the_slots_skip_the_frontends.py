"""Colour ports handed out past the slots' range never land on HAProxy's frontend ports.

A new app gets its slot's own pair unless another app's state file holds it (after a HAProxy restart apps keep the
ports of their old slots), then the first free pair from GREENLIGHT_LOCAL_COLOUR_PORT_BASE on, past the slots'
range. With the frontends just above that range (a setting accepted at start) the search reached them: the app's
blue took the live port and its green the preview port, so its containers could never listen.
"""

from __future__ import annotations

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.marks import AppRecord, MarkStore
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform


async def test_ports_past_the_slots_skip_the_frontends(local_settings: LocalSettings, test_id: str) -> None:
    # The slots' range ends just below the live port (the frontends, live then preview, sit right above it).
    base = local_settings.live_port - 2 * local_settings.slots
    settings = local_settings.model_copy(update={"colour_port_base": base})
    marks = MarkStore(settings.state_dir)
    for slot in range(settings.slots):  # other apps, not routed now, hold every pair of the range
        blue = base + 2 * slot
        await marks.save(AppRecord(app=f"lp-{test_id}-{slot}", ports={Colour.BLUE: blue, Colour.GREEN: blue + 1}))
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(settings, app.name) as platform:
        await platform.ensure_app(app)
        record = await platform.marks.load(app.name)
        assert record is not None
        handed = set(record.ports.values())
        assert not handed & {settings.live_port, settings.preview_port}, (
            f"{app.name} got {sorted(handed)}, the frontends are {settings.live_port} and {settings.preview_port}")
        assert not handed & set(range(base, base + 2 * settings.slots)), "a pair another app holds"
