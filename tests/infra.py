"""Fixtures for the real local infrastructure the builder and pusher talk to, and a broker-side tap.

`scripts/infra/up.sh` starts it all (podman's API socket, three loopback registries, moto). A piece
that does not answer FAILS the test with that hint: these tests never skip. When DOCKER_HOST is set
the same tests run against that engine (a real Docker daemon, say) instead of the podman socket.
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aio_pika
import aiodocker
import httpx
import pytest

from services.shared.events import ReleaseEvent, parse_event
from services.shared.protocol import ReleaseState
from services.shared.settings import BusSettings
from services.shared.startup import negotiate
from tests.tap import Tap

REPO = Path(__file__).resolve().parent.parent
LOCAL = REPO / ".local"
HINT = "run scripts/infra/up.sh (podman API socket, registries on 127.0.0.1:5001/5002/5004, moto on :5003)"
BASE_IMAGE = "localhost/greenlight/busybox:latest"
PINNED_BASE_IMAGE = "localhost/greenlight/busybox:1.35"  # same image; a version tag keeps hadolint quiet
MOTO_URL = "http://127.0.0.1:5003"


@dataclass(frozen=True)
class Registries:
    anonymous: str
    authenticated: str
    username: str
    password: str = field(repr=False)
    ecr: str  # stands in for ECR's registry endpoint: moto serves the API but cannot hold layers
    ecr_password: str = field(repr=False)


def _engine_transport(url: str) -> tuple[httpx.HTTPTransport, str]:
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        return httpx.HTTPTransport(uds=parsed.path), "http://engine"
    return httpx.HTTPTransport(), f"http://{parsed.netloc}"


@pytest.fixture(scope="session")
def engine_url() -> str:
    """The engine socket: DOCKER_HOST when set, else podman's socket from scripts/infra/podman.sh."""
    url = os.environ.get("DOCKER_HOST") or f"unix://{LOCAL / 'podman.sock'}"
    transport, base = _engine_transport(url)
    try:
        # Generous: podman answers slowly while it commits a large image for someone else.
        with httpx.Client(transport=transport, base_url=base, timeout=60) as client:
            client.get("/_ping").raise_for_status()
            for image in (BASE_IMAGE, PINNED_BASE_IMAGE):
                if client.get(f"/images/{image}/json").status_code != 200:
                    pytest.fail(f"engine at {url} has no {image}: {HINT}")
    except httpx.HTTPError as exc:
        pytest.fail(f"no container engine answers at {url} ({exc!r}): {HINT}")
    return url


def _answers(url: str, auth: tuple[str, str] | None = None) -> int | None:
    try:
        return httpx.get(url, auth=auth, timeout=3).status_code
    except httpx.HTTPError:
        return None


def moto_password() -> str:
    """What moto's get_authorization_token hands out (deterministic per account)."""
    import boto3

    ecr = boto3.client("ecr", endpoint_url=MOTO_URL, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    return base64.b64decode(token).decode().partition(":")[2]


@pytest.fixture(scope="session")
def moto_endpoint() -> str:
    if _answers(f"{MOTO_URL}/moto-api/") != 200:
        pytest.fail(f"moto does not answer at {MOTO_URL}: {HINT}")
    return MOTO_URL


def aws_chain_to(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> Any:
    """The default AWS credential chain from the environment, with moto as ECR by the standard endpoint variable
    (as a service finds them); a boto3 ECR client on the same moto for the test's own calls."""
    import boto3  # here, not at the top: most tests never touch AWS
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", moto_endpoint)
    return boto3.client("ecr", endpoint_url=moto_endpoint, region_name="us-east-1")


@pytest.fixture(scope="session")
def registries(moto_endpoint: str) -> Registries:
    password = os.environ.get("GREENLIGHT_REGISTRY_PASSWORD")
    password_file = LOCAL / "registry" / "password"
    if password is None:
        if not password_file.exists():
            pytest.fail(f"no registry password at {password_file}: {HINT}")
        password = password_file.read_text().strip()
    found = Registries(anonymous="127.0.0.1:5001", authenticated="127.0.0.1:5002", username="greenlight",
                       password=password, ecr="127.0.0.1:5004", ecr_password=moto_password())
    checks = [(found.anonymous, None, 200), (found.authenticated, (found.username, password), 200),
              (found.ecr, ("AWS", found.ecr_password), 200)]
    for host, auth, expected in checks:
        status = _answers(f"http://{host}/v2/", auth)
        if status != expected:
            pytest.fail(f"registry {host} answered {status} to /v2/ (expected {expected}): {HINT}")
    return found




@contextlib.asynccontextmanager
async def docker_client(url: str) -> AsyncIterator[aiodocker.Docker]:
    docker = aiodocker.Docker(url=url)
    try:
        # Not aiodocker's /version: podman's costs a second of CPU (startup.py). An engine away (a test of that)
        # fails the first call instead, as without this.
        with contextlib.suppress(aiodocker.DockerError):
            await negotiate(docker)
        yield docker
    finally:
        await docker.close()


async def remove_images(url: str, refs: Iterable[str]) -> None:
    """Best effort: podman answers 500 now and then while another client removes images at the same time."""
    async with docker_client(url) as docker:
        for ref in refs:
            for _ in range(3):
                try:
                    await docker.images.delete(ref, force=True)
                    break
                except aiodocker.DockerError as exc:
                    if exc.status == 404:
                        break


class EventTap(Tap):
    """Every release event published on the test's exchange, duplicates included, in arrival order.

    It binds its own exclusive queue before the test publishes, so nothing can be missed, and unlike
    the release store it keeps re-emitted duplicates: a test can count them."""

    binding = "release.#"

    def __init__(self, settings: BusSettings) -> None:
        super().__init__(settings)
        self.events: list[ReleaseEvent] = []

    def _take(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.events.append(parse_event(message.body))

    def of(self, release_id: str, *states: ReleaseState) -> list[ReleaseEvent]:
        return [e for e in self.events if e.release_id == release_id and (not states or e.state in states)]

    async def wait(self, release_id: str, *states: ReleaseState, count: int = 1,
                   timeout: float = 120.0) -> ReleaseEvent:
        """The `count`-th event of the release in one of `states`; fails the test after `timeout`."""
        try:
            await self._until(lambda: len(self.of(release_id, *states)) >= count, timeout)
        except TimeoutError:
            seen = [(e.seq, e.state.value, e.release.error) for e in self.of(release_id)]
            pytest.fail(f"no {count}x {[s.value for s in states]} for {release_id} in {timeout}s; saw {seen}")
        return self.of(release_id, *states)[count - 1]
