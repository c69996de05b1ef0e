"""Scopes and claims of custom authorization servers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
import secrets
import time

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Okta's system scopes of a custom server (name, displayName, description); kept in step with
# services/server_scopes.SYSTEM_SCOPES.
SYSTEM_SCOPES = [
    ("openid", "openid", "Signals that a request is an OpenID request."),
    ("profile", "profile", "Allows access to the end-user's default profile claims."),
    ("email", "email", "Allows access to the end-user's email address."),
    ("address", "address", "Allows access to the end-user's address."),
    ("phone", "phone", "Allows access to the end-user's phone number."),
    ("offline_access", "offline_access", "Allows the client to request refresh tokens."),
]


def _id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_B62) for _ in range(20 - len(prefix)))


def upgrade() -> None:
    scopes = op.create_table(
        "server_scopes",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("server_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("system", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("consent", sa.String(length=16), nullable=False),
        sa.Column("metadata_publish", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["authorization_servers.id"], ondelete="CASCADE",
                                name=op.f("fk_server_scopes_server_id_authorization_servers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_scopes")),
        sa.UniqueConstraint("server_id", "name", name=op.f("uq_server_scopes_server_id_name")),
    )
    op.create_table(
        "server_claims",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("server_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim_type", sa.String(length=16), nullable=False),
        sa.Column("value_type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("group_filter_type", sa.String(length=32), nullable=True),
        sa.Column("always_include", sa.Boolean(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("system", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["authorization_servers.id"], ondelete="CASCADE",
                                name=op.f("fk_server_claims_server_id_authorization_servers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_claims")),
    )
    op.create_index("ix_server_claims_server", "server_claims", ["server_id"])
    now = int(time.time() * 1000)
    servers = op.get_bind().execute(sa.text("SELECT id FROM authorization_servers")).all()
    rows = [{"id": _id("scp"), "server_id": server_id, "name": name, "display_name": display,
             "description": description, "system": True, "is_default": False, "consent": "IMPLICIT",
             "metadata_publish": "ALL_CLIENTS", "created_at": now, "last_updated_at": now}
            for (server_id,) in servers for name, display, description in SYSTEM_SCOPES]
    if rows:
        op.bulk_insert(scopes, rows)


def downgrade() -> None:
    op.drop_index("ix_server_claims_server", table_name="server_claims")
    op.drop_table("server_claims")
    op.drop_table("server_scopes")
