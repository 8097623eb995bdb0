"""Closing the terminal that runs `greenlight up` (SIGHUP) left what its services had started running.

`up` handled SIGINT and SIGTERM only. A hang-up (the terminal window closed, the SSH session dropped) took
SIGHUP's default action: the supervisor died on the spot, with no stop. Its children live in sessions of
their own, so the hang-up never reached them; the parent-death signal gave each service a SIGTERM, but
nothing reached their process groups: a helper a service had started (a build, a port-forward, a wrapper
shell's command) went on running, and a service that ignores SIGTERM was never killed. A hang-up now
stops the stack as SIGTERM does: SIGTERM to every group, the grace period, then SIGKILL.
"""

from __future__ import annotations

import os
import select
import signal
import sys
from pathlib import Path

import pytest

from tests.cli.children import free_port
from tests.cli.test_up_command import Up
from tests.cli.test_up_sees_through_a_childs_helpers import SERVICE

pytestmark = pytest.mark.timeout(90)


def test_a_hangup_stops_the_services_and_what_they_started(tmp_path: Path) -> None:
    port, service, pidfile = free_port(), tmp_path / "service.py", tmp_path / "helper.pid"
    service.write_text(SERVICE)  # serves /healthz; starts a helper that ignores SIGTERM
    env = tmp_path / "local.env"
    env.write_text(f"GREENLIGHT_BUILDER_PORT={port}\n"
                   f'GREENLIGHT_UP_BUILDER_COMMAND="{sys.executable} {service} {port} {pidfile}"\n')
    up = Up("--only", "builder", "--env-file", str(env), "--grace", "2")
    up.expect("all services are up")
    helper = os.pidfd_open(int(pidfile.read_text()))  # readable once the helper has exited
    try:
        up.process.send_signal(signal.SIGHUP)
        ended = select.select([helper], [], [], 30)[0] == [helper]
        if not ended:
            signal.pidfd_send_signal(helper, signal.SIGKILL)
        assert ended, "the builder's helper outlived a hung-up `up`"
    finally:
        os.close(helper)
    code, output = up.finish()
    assert code == 0, output
    assert "stopping: SIGTERM sent to every service" in output
