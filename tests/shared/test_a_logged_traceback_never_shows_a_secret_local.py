"""A traceback logged on a terminal never shows a secret held in a frame's local variables.

On a TTY (or `GREENLIGHT_LOG_JSON=false`) the console renderer drew exceptions with rich's traceback, which lists every
frame's locals: a failed statement logged with `exc_info` showed its parameters (a subscription's secret) eleven
times, although every engine is made with `hide_parameters=True` so that the error itself never holds them."""

from __future__ import annotations

import os
import subprocess
import sys

SECRET = "hunter2-subscription-secret"
SCRIPT = """
import sys
import sqlalchemy as sa
import structlog
from services.shared.logs import configure_logging
configure_logging()
engine = sa.create_engine("sqlite://", hide_parameters=True)
table = sa.Table("subs", sa.MetaData(), sa.Column("id", sa.String, primary_key=True), sa.Column("secret", sa.String))
table.metadata.create_all(engine)
with engine.begin() as connection:
    connection.execute(table.insert().values(id="a", secret="first"))
try:
    with engine.begin() as connection:
        connection.execute(table.insert().values(id="a", secret=sys.argv[1]))
except sa.exc.IntegrityError:
    structlog.get_logger().exception("subscription not stored")
"""


def test_a_failed_statement_logged_on_a_console_never_shows_its_parameters() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, SECRET], capture_output=True, text=True, timeout=60,
                          check=True, env={**os.environ, "GREENLIGHT_LOG_JSON": "false"})
    assert "subscription not stored" in done.stderr
    assert "IntegrityError" in done.stderr  # the exception is still told
    assert SECRET not in done.stderr
