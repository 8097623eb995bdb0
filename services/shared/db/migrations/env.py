"""Alembic's entry point. Greenlight runs migrations itself (services.shared.db.migrate), on a connection it
passes in `config.attributes["connection"]`, when a service that keeps a read model starts; there is no separate
command for it (a service's start is the by-hand upgrade)."""

from __future__ import annotations

from alembic import context

from services.shared.db.schema import metadata

connection = context.config.attributes["connection"]
# A transaction per migration (on SQLite the caller's one transaction holds them all): a concurrent index build
# commits what came before it anyway (online_index.py), and each migration then commits with its revision.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
