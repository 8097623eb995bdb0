"""HAProxy's configuration for the local platform, generated from LocalSettings.

HAProxy cannot add backends at run time, so the config pre-declares `slots` app slots, each a
`live_<n>` and a `preview_<n>` backend with a `blue` and a `green` server (in maintenance until
used). Which app owns a slot is runtime state: the `hosts.map` map (`<app>.localhost` -> slot, and
`_default` -> the default app's slot) is edited through the admin socket, as is `checks.map`
(`<slot>/<colour>` -> that colour's readiness path, the path of the release it runs; read by each
health check through `uri-lf`, the colour being the checked server's name; `/readyz` when absent).
Both files start empty on every start: after a restart the adapter re-attaches apps from their
state files, each colour with its own path.

`python -m services.shared.local.haproxy_conf` writes the config and the empty maps and prints the
config's path (used by scripts/infra/haproxy.sh).
"""

from __future__ import annotations

from pathlib import Path

from services.shared.local.settings import LocalSettings

GLOBAL = """\
global
    # Without SO_REUSEPORT a second HAProxy on the same port (another checkout's) fails to bind instead of
    # quietly splitting the requests with this one.
    noreuseport
    stats socket {socket} mode 600 level admin expose-fd listeners
    stats timeout 30s
    log stderr format short local0 notice

defaults
    mode http
    log global
    option dontlognull
    # A request that cannot connect (a colour just stopped) is tried again on a serving server.
    option redispatch
    retries 3
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 10s
"""

FRONTEND = """
frontend {role}
    bind {bind}:{port}
    http-request set-var(txn.slot) req.hdr(host),host_only,lower,map({hosts})
    http-request set-var(txn.slot) str(_default),map({hosts}) unless {{ var(txn.slot) -m found }}
    use_backend {role}_%[var(txn.slot)] if {{ var(txn.slot) -m found }}
    default_backend no_app
"""

NO_APP = """
backend no_app
    http-request return status 503 content-type text/plain string "Greenlight: no app is routed here yet"
"""

BACKEND = """
backend {role}_{slot}
    option httpchk
    # The colour's own path (key `<slot>/<server name>`): the two colours may run releases whose paths differ.
    http-check set-var(check.colour) srv_name
    http-check send meth GET uri-lf %[str({slot}/),concat(,check.colour),map({checks},/readyz)]
    http-check expect status 200
    http-response set-header X-Greenlight-Colour %[srv_name]
    # rise 2: a colour forced down (traffic.py) comes up only on two passes in a row, and HAProxy runs a server's
    # checks one at a time, so the second began after the force; with rise 1 a check in flight then, answered by
    # the container the colour ran before, brought it up. fastinter: that second check, and the second failure
    # that takes a serving colour down, come a quarter interval after the first.
    default-server inter {inter}ms fastinter {fastinter}ms fall 2 rise 2 disabled check
    server blue 127.0.0.1:{blue}
    server green 127.0.0.1:{green}
"""


def render(settings: LocalSettings) -> str:
    parts = [GLOBAL.format(socket=settings.socket)]
    for role, port in (("live", settings.live_port), ("preview", settings.preview_port)):
        parts.append(FRONTEND.format(role=role, bind=settings.bind_host, port=port, hosts=settings.hosts_map))
    parts.append(NO_APP)
    inter = settings.check_interval_ms
    for slot in range(settings.slots):
        blue = settings.colour_port_base + 2 * slot
        for role in ("live", "preview"):
            parts.append(BACKEND.format(role=role, slot=slot, checks=settings.checks_map, inter=inter,
                                        fastinter=max(inter // 4, 20), blue=blue, green=blue + 1))
    return "".join(parts)


def write_config(settings: LocalSettings) -> Path:
    """The config file plus empty runtime maps, in `haproxy_dir`; returns the config's path."""
    settings.haproxy_dir.mkdir(parents=True, exist_ok=True)
    for runtime_map in (settings.hosts_map, settings.checks_map):
        runtime_map.write_text("")
    config = settings.haproxy_dir / "haproxy.cfg"
    config.write_text(render(settings))
    return config


if __name__ == "__main__":
    print(write_config(LocalSettings()))
