"""A GREENLIGHT_DATABASE_URL that cannot be read as one address stops the service with one line naming the
variable, never a traceback, never any part of the password.

Before: a port that is no number, a bracket left open (ValueError) or a port past 65535 (OverflowError) ended in a
traceback; an `@` left unescaped in the password made the rest of the password part of the host name, and the
"cannot use the database" line printed it (`g:***@rest-of-the-password@host`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.failed_start import failed_start
from tests.ports import free_port

SECRET = "s3cret-9051"
CASES = {
    "port not a number": f"postgresql+asyncpg://greenlight:{SECRET}@127.0.0.1:54x2/greenlight",
    "port out of range": f"postgresql+asyncpg://greenlight:{SECRET}@127.0.0.1:99999/greenlight",
    "bracket left open": f"postgresql+asyncpg://greenlight:{SECRET}@[::1/greenlight",
    "@ unescaped in the password": f"postgresql+asyncpg://greenlight:pa@{SECRET}@127.0.0.1:{free_port()}/greenlight",
}


@pytest.mark.parametrize("service", ["approval", "switcher", "notifier"])
@pytest.mark.parametrize("case", list(CASES))
def test_unreadable_database_url_is_one_line_naming_it(case: str, service: str, tmp_path: Path) -> None:
    last, output = failed_start(service, {
        "GREENLIGHT_DATABASE_URL": CASES[case],
        # Nothing listens there: a service that gets past its settings must not reach anyone's broker.
        "AMQP_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/",
        "GREENLIGHT_API_PORT": str(free_port()), "GREENLIGHT_SWITCHER_PORT": str(free_port()),
        "GREENLIGHT_NOTIFIER_PORT": str(free_port()), "GREENLIGHT_PLATFORM": "local",
        "GREENLIGHT_LOCAL_STATE_DIR": str(tmp_path / "platform"), "GREENLIGHT_LOCAL_HAPROXY_DIR": str(tmp_path),
    })
    assert last.startswith("greenlight: GREENLIGHT_DATABASE_URL is invalid"), last
    assert SECRET not in output
