"""A podman API service of the fault test's own: its own socket, graphroot and lock files, so stopping it never
touches the shared service every other test (and engineer) uses."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.faults.processes import Daemon


def own_podman(root: Path) -> tuple[Daemon, str, dict[str, str]]:
    """(daemon, its DOCKER_HOST URL, its environment). vfs storage: works on any filesystem, and the few small
    layers a fault test builds make its slowness irrelevant."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "containers.conf").write_text("\n".join([
        "[containers]", 'netns = "host"', 'userns = "host"', 'utsns = "host"', 'cgroups = "disabled"',
        'log_driver = "k8s-file"', "[engine]", 'cgroup_manager = "cgroupfs"', 'runtime = "runc"',
        'events_logger = "file"', f'events_logfile_path = "{root / "events.log"}"', f'tmp_dir = "{root / "tmp"}"',
        # File locks under tmp_dir: the default shared-memory locks are one segment for every podman on the host.
        'lock_type = "file"', "[network]", 'network_backend = "cni"', ""]))
    (root / "storage.conf").write_text("\n".join([
        "[storage]", 'driver = "vfs"', f'graphroot = "{root / "storage"}"', f'runroot = "{root / "run"}"', ""]))
    env = {"CONTAINERS_CONF": str(root / "containers.conf"), "CONTAINERS_STORAGE_CONF": str(root / "storage.conf")}
    socket = root / "podman.sock"
    argv = ["env", *(f"{k}={v}" for k, v in env.items()), "podman", "--log-level=info", "system", "service",
            "--time=0", f"unix://{socket}"]
    return Daemon("podman", argv, ready=r"API service listening"), f"unix://{socket}", env


def copy_image(source: str, target: str, image: str) -> None:
    """An image from one engine into another, through the Docker API's save and load."""
    def client(url: str) -> httpx.Client:
        return httpx.Client(transport=httpx.HTTPTransport(uds=url.removeprefix("unix://")),
                            base_url="http://engine", timeout=120)

    with client(source) as src, client(target) as dst:
        archive = src.get(f"/images/{image}/get")
        archive.raise_for_status()
        dst.post("/images/load", content=archive.content,
                 headers={"Content-Type": "application/x-tar"}).raise_for_status()
        dst.get(f"/images/{image}/json").raise_for_status()
