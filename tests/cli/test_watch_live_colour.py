"""`greenlight watch` names the colour a release went live on, against the real API and read model: an app's second
release is deployed on green beside blue, and its `live` line says green, not the blue it replaced (the release's
`live_colour` is the colour that was live when it was staged)."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.conftest import api_client, live_release
from tests.approval.fakes import fake_pipeline
from tests.cli.conftest import greenlight
from tests.harness import running


async def test_the_live_line_names_the_colour_that_serves(bus_settings: BusSettings) -> None:
    async with running(fake_pipeline(bus_settings)), \
            api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        await live_release(client)  # the first: deployed on blue
        second = await live_release(client)
        url = str(client.make_url("")).rstrip("/")
        watched = await greenlight(url, "requester-token", "watch", second)
        status = await greenlight(url, "requester-token", "status", "demo")
    assert watched.exit_code == 0, watched.output
    live = [line for line in watched.stdout.splitlines() if line[:2].isdigit() and line.split()[2] == "live"]
    assert len(live) == 1 and live[0].endswith("colour=green"), watched.stdout
    assert status.stdout.splitlines()[0] == "app demo  live colour: green"
