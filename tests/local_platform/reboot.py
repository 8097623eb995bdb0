"""A machine restart, simulated: a test's own HAProxy that can be restarted (its runtime maps start empty again,
every server in maintenance), and the app's containers stopped or removed through the engine's API beforehand."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from services.shared.local import LocalPlatform, LocalSettings
from services.shared.platform import AppRef, ColourStatus
from services.shared.release import Colour
from tests.local_platform.fixtures import SLOTS, staged, start_haproxy
from tests.ports import free_ports


class OwnHAProxy:
    def __init__(self, directory: Path, engine_url: str) -> None:
        base = free_ports(2 * SLOTS + 2)
        self.settings = LocalSettings(
            haproxy_dir=directory / "haproxy", state_dir=directory / "platform", docker_host=engine_url,
            live_port=base, preview_port=base + 1, colour_port_base=base + 2, slots=SLOTS, check_interval_ms=200,
            default_app="no-default-app", stop_timeout=2, switch_timeout=10.0)
        self.log = directory / "haproxy.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_haproxy(self.settings, self.log)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@contextlib.contextmanager
def own_haproxy(directory: Path, engine_url: str) -> Iterator[OwnHAProxy]:
    proxy = OwnHAProxy(directory, engine_url)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


async def rebooted(platform: LocalPlatform, proxy: OwnHAProxy, app: str, *, gone: Colour | None = None) -> None:
    """The app's containers stopped (`gone`'s removed), then HAProxy restarted."""
    for colour in Colour:
        name = proxy.settings.container_name(app, colour)
        if colour is gone:
            await platform.runner.containers.remove(name)
        else:
            await platform.runner.containers.stop(name, 0)
    proxy.stop()
    proxy.start()


async def green_live_blue_warm(platform: LocalPlatform, app: AppRef, images: tuple[str, ...]) -> None:
    """r1 live on blue, then r2 switched live on green, blue kept warm for a rollback: both colours run."""
    await staged(platform, app, Colour.BLUE, "r1", images[0], "1" * 40)
    await platform.switch(app, None, Colour.BLUE, "r1")
    await staged(platform, app, Colour.GREEN, "r2", images[1], "2" * 40)
    await platform.switch(app, Colour.BLUE, Colour.GREEN, "r2")
    await platform.mark(app, Colour.GREEN, "r2", ColourStatus.LIVE)
    await platform.mark(app, Colour.BLUE, "r1", ColourStatus.RETIRED)
