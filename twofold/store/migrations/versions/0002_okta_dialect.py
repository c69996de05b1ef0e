"""Okta dialect: factor activation expiry, authorization servers, tokens bound to a server

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
import time

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("factors") as batch:
        batch.add_column(sa.Column("activation_expires_at", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("mfa_transactions") as batch:
        batch.add_column(sa.Column("server_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("server_id", sa.String(length=64), nullable=True))
    servers = op.create_table(
        "authorization_servers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("audiences", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorization_servers")),
    )
    now = int(time.time() * 1000)
    op.bulk_insert(servers, [{
        "id": "default", "name": "default", "description": "Default Authorization Server",
        "audiences": '["api://default"]', "status": "ACTIVE", "created_at": now, "last_updated_at": now,
    }])


def downgrade() -> None:
    op.drop_table("authorization_servers")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("server_id")
    with op.batch_alter_table("mfa_transactions") as batch:
        batch.drop_column("server_id")
    with op.batch_alter_table("factors") as batch:
        batch.drop_column("activation_expires_at")
