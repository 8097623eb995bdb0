"""A service's port setting that is no TCP port stops it at once with one line naming the variable.

The builder's and the pusher's `port` had no bounds: `GREENLIGHT_BUILDER_PORT=70000` (a digit too many) was taken,
the service connected to the broker and began consuming its queue, and then died on bind with an OverflowError's
traceback, after it may have taken a release's message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.failed_start import failed_start
from tests.manifests.repo_files import SERVICES
from tests.ports import free_port

VARIABLES = {"approval": "GREENLIGHT_API_PORT", **{name: f"GREENLIGHT_{name.upper()}_PORT" for name in SERVICES
                                                   if name != "approval"}}


@pytest.mark.parametrize("port", ["70000", "-1"])
@pytest.mark.parametrize("service", list(VARIABLES))
def test_port_that_is_no_tcp_port_is_one_line_naming_it(service: str, port: str, tmp_path: Path) -> None:
    variable = VARIABLES[service]
    last, _ = failed_start(service, {
        variable: port,
        # Nothing listens there: a service that takes the port must not reach anyone's broker.
        "AMQP_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/",
        "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
    })
    assert last.startswith(f"greenlight: {variable} is invalid"), last
