"""Free loopback ports for the servers tests start, picked below the kernel's ephemeral range.

Why not bind(0): the kernel hands out ports from the ephemeral range for bind(0) and for every outgoing
connection, in all the test processes that run at once (scripts/test.sh runs four). A port learnt from bind(0),
closed, and given to a child process a moment later (or kept across a SIGKILL and restart) could meanwhile go to
another process's server or connection: a test then talked to another test's service. Below the ephemeral range
only these explicit picks compete, each checked bindable, at random among ~12,000 ports.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST = 20000


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports."""
    top = max(_ephemeral_low(), LOWEST + 1000)
    for _ in range(500):
        base = random.randrange(LOWEST, top - count)
        if all(bindable(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"no run of {count} free ports found in {LOWEST}-{top}")


def free_port() -> int:
    return free_ports(1)
