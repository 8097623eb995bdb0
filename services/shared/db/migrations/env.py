"""Alembic's entry point. Greenlight runs migrations itself (services.shared.db.migrate) on a connection it
passes in `config.attributes["connection"]`; `python -m services.shared.db upgrade` does the same by hand."""

from __future__ import annotations

from alembic import context

from services.shared.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
