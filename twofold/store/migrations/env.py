"""Alembic environment: always driven with a connection handed in by twofold.store.migrate."""
from alembic import context

from twofold.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `twofold migrate`")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
