"""The service's HTTP socket, bound before anything starts.

`web.run_app` binds its site only after the app's cleanup_ctx has run: a service whose port was taken connected to
the broker, started consuming its queue, then died in a traceback (`address already in use`, or `gaierror` for a
host that does not resolve) with deliveries in hand. Bound first, that is one line naming the setting, and nothing
was consumed."""

from __future__ import annotations

import socket

from services.shared.settings import StartupError

HOST_SETTING = "GREENLIGHT_HTTP_HOST"


def bound_socket(host: str, port: int, port_setting: str) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError):
        raise StartupError(f"{HOST_SETTING}={host} is not an address of this host; "
                           "fix it in the environment") from None
    sock = socket.socket(family, kind, proto)
    # As asyncio's create_server does: a restart may bind while the last run's connections sit in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port} ({exc.strerror}): set {port_setting} to a free port, "
                           f"or {HOST_SETTING} to an address of this host") from None
    return sock
