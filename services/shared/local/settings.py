"""`GREENLIGHT_LOCAL_*`: where the local platform keeps its marks, which engine and proxy it drives.

The deployer, the switcher, `scripts/infra/haproxy.sh` (through `haproxy_conf`) and `greenlight demo`
read the same variables, so they agree on ports, paths and socket without talking to each other.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared.release import Colour

REPO = Path(__file__).resolve().parents[3]
LOCAL = REPO / ".local"


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENLIGHT_LOCAL_", extra="ignore")

    state_dir: Path = Field(LOCAL / "platform", description="one JSON state file per app (marks, live "
                                                           "pointer); default $REPO/.local/platform")
    docker_host: str | None = Field(
        None, description="engine API URL; default: DOCKER_HOST, else podman's socket at "
                          "$REPO/.local/podman.sock when it exists, else the Docker default")
    haproxy_dir: Path = Field(LOCAL / "haproxy", description="HAProxy's generated config, runtime maps and "
                                                            "admin socket; default $REPO/.local/haproxy")
    bind_host: str = Field("127.0.0.1", description="address the live and preview frontends bind")
    public_host: str = Field("127.0.0.1", description="host name put in the URLs handed out")
    live_port: int = Field(8088, ge=1, le=65535, description="live frontend port; default 8088 (the events "
                                                             "app itself defaults to 8080)")
    preview_port: int = Field(8089, ge=1, le=65535, description="preview frontend port; default 8089")
    slots: int = Field(16, ge=1, le=500, description="apps HAProxy can route at once (pre-declared "
                                                    "backends, assigned at run time); default 16")
    colour_port_base: int = Field(
        9100, ge=1024, le=65000,
        description="containers share the host network: slot s runs blue on base+2s and green on "
                    "base+2s+1, passed as PORT; default 9100")
    app_ports: dict[str, int] = Field(
        default_factory=dict, description='JSON {"app": blue port} to pin an app\'s ports (green: +1)')
    default_app: str = Field("tmapp", description="app served to requests whose Host names no app "
                                                  "(http://127.0.0.1:8088/); default tmapp")
    check_interval_ms: int = Field(500, ge=50, description="HAProxy health-check interval; default 500")
    registry_username: str | None = Field(None, description="user for pulling release images (default "
                                                            "anonymous)")
    registry_password: SecretStr | None = Field(None, description="that user's password")
    secrets_file: Path | None = Field(
        None, description='JSON {"secret": {"key": "value"}} backing an app\'s secret_env; default '
                          "<state_dir>/secrets.json")
    stop_timeout: int = Field(10, ge=0, description="seconds a container gets after SIGTERM; default 10")
    switch_timeout: float = Field(
        10.0, gt=0, description="seconds HAProxy's health check may take to pass on a colour put in traffic (a switch, "
                                "the preview pointer, a restore after a restart) before it gives up; default 10")
    probe_timeout: float = Field(2.0, gt=0, description="seconds one readiness probe may take; default 2")
    pull_timeout: float = Field(600.0, gt=0, description="seconds the engine may take to pull a release's image "
                                                         "before the deploy is retried; default 600")
    container_prefix: str = Field("greenlight", description="containers are named <prefix>-<app>-<colour>")
    podman_cgroups: str = Field(
        "enabled", description="cgroups mode for containers on podman (its containers.conf may say "
                               "'disabled', which runc cannot run); default enabled")

    @model_validator(mode="after")
    def _ports_apart(self) -> LocalSettings:
        # Containers share the host network: a colour on a frontend's port could not listen (HAProxy holds it) or kept
        # HAProxy from starting; two frontends on one port, the same. Refused at start, not found at the first deploy.
        frontends = {"GREENLIGHT_LOCAL_LIVE_PORT": self.live_port, "GREENLIGHT_LOCAL_PREVIEW_PORT": self.preview_port}
        if self.live_port == self.preview_port:
            raise ValueError(f"GREENLIGHT_LOCAL_LIVE_PORT and GREENLIGHT_LOCAL_PREVIEW_PORT are both {self.live_port}: "
                             "give the frontends two ports")
        last = self.colour_port_base + 2 * self.slots - 1
        ranges = [(f"GREENLIGHT_LOCAL_COLOUR_PORT_BASE={self.colour_port_base} with GREENLIGHT_LOCAL_SLOTS="
                   f"{self.slots} gives the colours ports {self.colour_port_base}-{last}", self.colour_port_base, last)]
        ranges += [(f"GREENLIGHT_LOCAL_APP_PORTS pins {app} on {blue}-{blue + 1}", blue, blue + 1)
                   for app, blue in self.app_ports.items()]
        for said, first, end in ranges:
            if first < 1 or end > 65535:  # each setting valid alone, HAProxy's config would name no such port
                raise ValueError(f"{said}, outside the ports 1-65535: lower or move it")
            for name, port in frontends.items():
                if first <= port <= end:
                    raise ValueError(f"{said}, among them {name}={port}: move one of the two apart")
        # Two pins a port apart share one: the one app's blue is the other's green (each pin takes two ports).
        pins = sorted(self.app_ports.items(), key=lambda pin: pin[1])
        for (app, blue), (other, other_blue) in itertools.pairwise(pins):
            if other_blue <= blue + 1:
                raise ValueError(f"GREENLIGHT_LOCAL_APP_PORTS pins {app} on {blue}-{blue + 1} and {other} on "
                                 f"{other_blue}-{other_blue + 1}: give each app two ports of its own")
        return self

    # Resolved: HAProxy names a map by the exact path it loaded, so a symlinked .local must not matter.
    @property
    def socket(self) -> Path:
        return self.haproxy_dir.resolve() / "admin.sock"

    @property
    def hosts_map(self) -> Path:
        return self.haproxy_dir.resolve() / "hosts.map"

    @property
    def checks_map(self) -> Path:
        return self.haproxy_dir.resolve() / "checks.map"

    @property
    def secrets_path(self) -> Path:
        return self.secrets_file or self.state_dir / "secrets.json"

    def engine_url(self) -> str | None:
        if self.docker_host or os.environ.get("DOCKER_HOST"):
            return self.docker_host or os.environ["DOCKER_HOST"]
        podman = LOCAL / "podman.sock"
        return f"unix://{podman}" if podman.exists() else None

    def port_of(self, app: str, slot: int, colour: Colour) -> int:
        base = self.app_ports.get(app, self.colour_port_base + 2 * slot)
        return base + (0 if colour is Colour.BLUE else 1)

    def host_of(self, app: str) -> str:
        """The Host header HAProxy routes to `app` (browsers resolve *.localhost to loopback)."""
        return f"{app}.localhost"

    def _url(self, app: str, port: int) -> str:
        host = self.public_host if app == self.default_app else self.host_of(app)
        return f"http://{host}:{port}/"

    def live_url(self, app: str) -> str:
        return self._url(app, self.live_port)

    def preview_url(self, app: str) -> str:
        return self._url(app, self.preview_port)

    def container_name(self, app: str, colour: Colour) -> str:
        return f"{self.container_prefix}-{app}-{colour.value}"
