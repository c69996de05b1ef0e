"""Refresh tokens remember their family's absolute end apart from their own expiry, so an
access rule's idle window can shorten a token without moving the family's end

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("refresh_tokens", sa.Column("family_expires_at", sa.BigInteger(), nullable=True))
    # Until now a token's expiry was its family's absolute end.
    op.execute("UPDATE refresh_tokens SET family_expires_at = expires_at")


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("family_expires_at")
