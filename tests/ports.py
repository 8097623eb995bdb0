"""Free loopback ports for the servers tests start, picked below the kernel's ephemeral range.

Why not bind(0): the kernel hands out ports from the ephemeral range for bind(0) and for every outgoing
connection, in all the test processes that run at once (scripts/test.sh runs five). A port learnt from bind(0),
closed, and given to a child process a moment later (or kept across a SIGKILL and restart) could meanwhile go to
another process's server or connection: a test then talked to another test's service.

Below the ephemeral range only these picks compete, and a pick is not bound until the child process it is for has
started, so each pick must differ from the picks before it, not only be bindable now. Picked at random, a stack of
nine processes drew the same port twice (a clean-clone run: "Address already in use"). So each pytest process
hands out its own slice of the range (`GREENLIGHT_TEST_PORT_SLICE=i/n`, set by scripts/test.sh), one port after
the other from a random start: a port comes back only after the whole slice (thousands of picks).
"""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

LOWEST = 20000
SLICE_ENV = "GREENLIGHT_TEST_PORT_SLICE"

_cursor: int | None = None  # this process's next offset into its slice


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def port_slice() -> range:
    """The ports this process hands out: all below the ephemeral range, or its share named by SLICE_ENV."""
    low, high = LOWEST, max(_ephemeral_low(), LOWEST + 1000)
    if spec := os.environ.get(SLICE_ENV):
        index, count = (int(part) for part in spec.split("/"))
        if not 0 <= index < count:
            raise ValueError(f"{SLICE_ENV}={spec}: expected i/n with 0 <= i < n")
        width = (high - low) // count
        low, high = low + index * width, low + (index + 1) * width
    return range(low, high)


def bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports, none of them handed out by this process lately."""
    global _cursor
    ports = port_slice()
    starts = len(ports) - count + 1
    if _cursor is None:
        _cursor = random.randrange(starts)  # two pytest runs by hand, with no slices, rarely meet
    for _ in range(starts):
        base = ports[_cursor % starts]
        if all(bindable(port) for port in range(base, base + count)):
            _cursor += count
            return base
        _cursor += 1  # bound by someone else: the next one
    raise RuntimeError(f"no run of {count} free ports found in {ports.start}-{ports.stop - 1}")


def free_port() -> int:
    return free_ports(1)
