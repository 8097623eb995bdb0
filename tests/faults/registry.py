"""A registry of the fault test's own (distribution, as scripts/infra/registry.sh runs it) on a free port."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.faults.processes import Daemon

# The engine speaks plain HTTP only to registries its registries.conf lists as insecure (scripts/infra/podman.sh):
# 127.0.0.1:5001-5009. 5001-5004 are the shared registries and moto, 5005 the pusher tests' relay.
INSECURE_PORTS = (5006, 5007, 5008)


def _free_insecure_port() -> int:
    for port in INSECURE_PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"none of the ports {INSECURE_PORTS} is free for the fault test's own registry")


def own_registry(root: Path) -> tuple[Daemon, str]:
    port = _free_insecure_port()
    (root / "data").mkdir(parents=True, exist_ok=True)
    config = root / "config.yml"
    config.write_text("\n".join([
        "version: 0.1", "log: {level: info, accesslog: {disabled: true}}",
        f"storage: {{filesystem: {{rootdirectory: {root / 'data'}}}, delete: {{enabled: true}}}}",
        f"http: {{addr: '127.0.0.1:{port}', secret: faults}}", ""]))
    return Daemon("registry", ["docker-registry", "serve", str(config)], ready=r"listening on"), f"127.0.0.1:{port}"
