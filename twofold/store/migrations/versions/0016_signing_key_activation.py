"""Signing keys carry the time they start signing (`activates_at`), so a rotation publishes
the next key before it signs and every process agrees when it takes over; the `status`
column (active | retired) goes, since the times say which key is which

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("signing_keys", sa.Column("activates_at", sa.BigInteger(), nullable=True))
    # The keys there are signed from their creation.
    op.execute("UPDATE signing_keys SET activates_at = created_at")
    with op.batch_alter_table("signing_keys") as batch:
        batch.alter_column("activates_at", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("status")


def downgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="active"))
        batch.drop_column("activates_at")
