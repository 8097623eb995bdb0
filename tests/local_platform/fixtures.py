"""Fixtures for the local platform: a private HAProxy, fixture images, a platform per test.

The HAProxy here is the test session's own (its own socket, free ports, few slots), started from the
same generated config scripts/infra/haproxy.sh uses, so tests never touch the demo's proxy on
8088/8089. It needs the `haproxy` binary (scripts/infra/haproxy.sh installs it) and fails, never
skips, without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlparse

import aiohttp
import httpx
import pytest

from services.shared.local import LocalPlatform, LocalSettings, open_local_platform
from services.shared.local.haproxy import HAProxyRuntime
from services.shared.local.haproxy_conf import write_config
from services.shared.local.routing import Router
from services.shared.platform import AppRef, ColourStatus, Rollout
from services.shared.release import Colour
from tests.fixtures.apps import build_image, webapp_files
from tests.infra import engine_url  # noqa: F401 - fixture
from tests.ports import free_ports

SLOTS = 6
IMAGES = ("localhost/gltest/webapp:v1", "localhost/gltest/webapp:v2")
CRASHING = "localhost/gltest/webapp:crash"
NEVER_READY = "localhost/gltest/webapp:never-ready"


def _answers(sock: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as client:
        client.settimeout(1)
        try:
            client.connect(str(sock))
            client.sendall(b"show info\n")
            return b"Name: HAProxy" in client.recv(4096)
        except OSError:
            return False


def start_haproxy(settings: LocalSettings, log_path: Path) -> subprocess.Popen[bytes]:
    """HAProxy on the platform's generated config for `settings` (empty maps, as scripts/infra/haproxy.sh starts
    it), once its admin socket answers."""
    binary = shutil.which("haproxy")
    if binary is None:
        pytest.fail("haproxy is not installed: run scripts/infra/haproxy.sh (it installs Debian's haproxy)")
    config = write_config(settings)
    with log_path.open("a") as log:
        process = subprocess.Popen([binary, "-W", "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    # Another process's socket coming up sends no event to await: asked again every 50 ms, within a deadline.
    while not _answers(settings.socket):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"HAProxy did not start: {log_path.read_text()[-800:]}")
        time.sleep(0.05)
    return process


@contextlib.contextmanager
def private_haproxy(directory: Path) -> Iterator[LocalSettings]:
    """HAProxy from the platform's generated config, on free ports, with its socket in `directory`."""
    base = free_ports(2 * SLOTS + 2)
    settings = LocalSettings(haproxy_dir=directory, live_port=base, preview_port=base + 1,
                             colour_port_base=base + 2, slots=SLOTS, check_interval_ms=200,
                             default_app="no-default-app")
    process = start_haproxy(settings, directory / "haproxy.log")
    try:
        yield settings
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def haproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSettings]:
    with private_haproxy(tmp_path_factory.mktemp("haproxy")) as settings:
        yield settings


def _engine_client(url: str) -> httpx.Client:
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        return httpx.Client(transport=httpx.HTTPTransport(uds=parsed.path), base_url="http://engine")
    return httpx.Client(base_url=f"http://{parsed.netloc}")


def build_web_images(engine: str) -> tuple[str, ...]:
    """Two ready-serving images (different ids), one that crashes, one that is never ready."""
    with _engine_client(engine) as client:
        for index, tag in enumerate(IMAGES):
            build_image(client, tag, webapp_files(note=f"image {index}\n"))
        build_image(client, CRASHING, webapp_files(crash=True))
        build_image(client, NEVER_READY, webapp_files(ready=False))
    return IMAGES


@pytest.fixture(scope="session")
def web_images(engine_url: str) -> tuple[str, ...]:  # noqa: F811
    return build_web_images(engine_url)


@pytest.fixture
async def plain_router(haproxy: LocalSettings, test_id: str) -> AsyncIterator[Router]:
    """A router on the session's HAProxy for colours without containers (plain_colours.py); the app `lp-<test id>`
    is detached after the test."""
    router = Router(HAProxyRuntime(haproxy.socket), haproxy)
    yield router
    if (slot := await router.claimed(f"lp-{test_id}")) is not None:
        await router.detach(f"lp-{test_id}", slot)


@pytest.fixture
def local_settings(haproxy: LocalSettings, tmp_path: Path, engine_url: str) -> LocalSettings:  # noqa: F811
    """This test's platform settings: the session's HAProxy, its own state dir."""
    return haproxy.model_copy(update={"state_dir": tmp_path / "platform", "docker_host": engine_url,
                                      "stop_timeout": 2, "switch_timeout": 5.0})


@contextlib.asynccontextmanager
async def local_platform(settings: LocalSettings, *apps: str) -> AsyncIterator[LocalPlatform]:
    """An open platform; `apps` are removed afterwards (containers, HAProxy slot, state file)."""
    async with open_local_platform(settings) as platform:
        try:
            yield platform
        finally:
            for app in apps:
                await platform.forget(app)


async def through_proxy(settings: LocalSettings, app: str, *, preview: bool = False,
                        path: str = "/") -> tuple[int, str, str | None]:
    """Status, body and serving colour of one request through the app's live (or preview) frontend."""
    port = settings.preview_port if preview else settings.live_port
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{port}{path}", headers={"Host": settings.host_of(app)},
            timeout=aiohttp.ClientTimeout(total=5)) as response:
        return response.status, await response.text(), response.headers.get("X-Greenlight-Colour")


async def served_once_up(router: Router, backend: str, colour: Colour, settings: LocalSettings, app: str,
                         within: float, *, preview: bool = False, path: str = "/") -> tuple[int, str, str | None]:
    """`through_proxy` once HAProxy's check of `colour` passed, asked again while HAProxy answers 503, until `within`.

    On a loaded machine this process can be held past two of the tests' 200 ms checks right after `until_up`
    (measured in a clean-clone run; a 1 s block in the loop there gives the same 503): the colour its server is in
    counts down until its next check passes, and is served from then on, which is the behaviour under test."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        await router.until_up(backend, colour, max(0.0, deadline - loop.time()))
        answer = await through_proxy(settings, app, preview=preview, path=path)
        if answer[0] != 503 or loop.time() >= deadline:
            return answer


def colour_of(header: str | None) -> Colour | None:
    return Colour(header) if header in ("blue", "green") else None


async def staged(platform: LocalPlatform, app: AppRef, colour: Colour, release_id: str, image: str,
                 commit: str) -> None:
    """What the deployer leaves behind: the release ready on `colour`, previewed, awaiting approval."""
    await platform.ensure_app(app)
    await platform.deploy(app, colour, Rollout(release_id, commit, image), 1)
    await platform.wait_ready(app, colour, release_id, 10)
    await platform.set_preview(app, colour)
    await platform.mark(app, colour, release_id, ColourStatus.AWAITING_APPROVAL)
