"""A newer Greenlight than this checkout, for the tests of an older one started against the database it migrated:
this code's migrations copied to a temporary directory, plus later revisions, and migrate.py pointed at them."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.shared.db import migrate

_MIGRATION = '''
import sqlalchemy as sa
from alembic import op

from services.shared.db.migrations.oldest_usable import declare

revision = "{revision}"
down_revision = "{previous}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    {upgrade}


def downgrade() -> None:
    raise NotImplementedError
'''
# Only adds: a table this checkout's code never reads, the oldest usable revision left as it was.
ADDITIVE = ('op.create_table("greenlight_newer_{revision}", sa.Column("id", sa.Integer, primary_key=True))\n'
            '    declare("{revision}")')
# Drops a table this checkout's code writes to: only code of this revision or later can use the schema.
BREAKING = 'op.drop_table("greenlight_stream_tickets")\n    declare("{revision}", oldest_usable="{revision}")'


def later_revision(number: int) -> str:
    """The revision `number` migrations past this checkout's HEAD."""
    return f"{int(migrate.HEAD) + number:04d}"


@contextlib.contextmanager
def newer_greenlight(tmp_path: Path, *upgrades: str) -> Iterator[str]:
    """While open, migrate.py is a Greenlight with one more migration per `upgrades` (ADDITIVE, BREAKING): its
    HEAD, yielded, is the last of them."""
    scripts = tmp_path / f"migrations-{len(upgrades)}-later"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    previous = migrate.HEAD
    for number, upgrade in enumerate(upgrades, start=1):
        revision = later_revision(number)
        (scripts / "versions" / f"{revision}_newer.py").write_text(_MIGRATION.format(
            revision=revision, previous=previous, upgrade=upgrade.format(revision=revision)))
        previous = revision
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "MIGRATIONS", scripts)
        patch.setattr(migrate, "HEAD", previous)
        yield previous
