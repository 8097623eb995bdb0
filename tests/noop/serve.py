"""`python -m tests.noop.serve <service>`: the real service with no-op adapters, until SIGTERM/SIGKILL.

Configured like the service itself (GREENLIGHT_* for the bus, the service's own prefix for the
rest), plus GREENLIGHT_NOOP_DB (the shared ledger file), GREENLIGHT_NOOP_DELAY[_<STEP>] (seconds a
step takes) and GREENLIGHT_NOOP_PORT (HTTP port; default the service's own setting).
"""

from __future__ import annotations

import os
import sys

from services.shared.runtime import run
from tests.noop.apps import SERVICES, noop_app, settings_for
from tests.noop.ledger import Ledger


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SERVICES:
        print(f"usage: python -m tests.noop.serve {{{'|'.join(SERVICES)}}}", file=sys.stderr)
        return 2
    service = argv[0]
    settings = settings_for(service)
    port = int(os.environ.get("GREENLIGHT_NOOP_PORT") or settings.port)
    run(noop_app(service, Ledger.from_env(), settings), port, grace=settings.bus.grace_period,
        port_setting="GREENLIGHT_NOOP_PORT")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
