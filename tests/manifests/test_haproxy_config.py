"""compose/haproxy.cfg: HAProxy accepts it (`haproxy -c`), `live` on 8080 sends traffic to blue and
`preview` on 8081 to green, each backend with exactly one colour enabled, and the runtime API is on
so the colour can be flipped without a reload."""

from __future__ import annotations

import re

from tests.manifests.repo_files import HAPROXY_CFG, run, system_tool

UNRESOLVED = re.compile(r"could not resolve address 'tmapp-(blue|green)'")


def sections() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = None
    for raw in HAPROXY_CFG.read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not line[0].isspace():
            current = line.strip()
            found[current] = []
        elif current is not None:
            found[current].append(line.strip())
    return found


def test_haproxy_accepts_the_configuration() -> None:
    haproxy = system_tool("haproxy", "apt-get install -y haproxy")
    done = run(haproxy, "-c", "-f", str(HAPROXY_CFG))
    assert done.returncode == 0, done.stderr + done.stdout
    # The colours' names only resolve inside the compose network; any other warning is a real one.
    warnings = [line for line in (done.stderr + done.stdout).splitlines() if "[WARNING]" in line]
    assert all(UNRESOLVED.search(line) for line in warnings), warnings


def test_frontends_listen_on_8080_and_8081() -> None:
    config = sections()
    assert "bind :8080" in config["frontend live"] and "default_backend live" in config["frontend live"]
    assert "bind :8081" in config["frontend preview"] and "default_backend preview" in config["frontend preview"]


def enabled_servers(backend: str) -> list[str]:
    servers = [line.split() for line in sections()[f"backend {backend}"] if line.startswith("server ")]
    assert {s[2] for s in servers} == {"tmapp-blue:8080", "tmapp-green:8080"}
    return [s[1] for s in servers if "disabled" not in s]


def test_live_goes_to_blue_and_preview_to_green() -> None:
    assert enabled_servers("live") == ["blue"]
    assert enabled_servers("preview") == ["green"]


def test_backends_check_readiness() -> None:
    for backend in ("live", "preview"):
        lines = sections()[f"backend {backend}"]
        assert "option httpchk" in lines and "http-check send meth GET uri /readyz" in lines


def test_runtime_api_is_enabled_with_admin_level() -> None:
    sockets = [line for line in sections()["global"] if line.startswith("stats socket")]
    assert sockets and all("level admin" in line for line in sockets)
