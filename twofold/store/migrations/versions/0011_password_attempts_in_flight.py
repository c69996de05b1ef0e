"""The password throttle counts attempts in flight apart from confirmed failures, under a
lease: only failures lock, so parallel correct sign-ins are never refused

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("password_throttle", sa.Column("in_flight", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("password_throttle", sa.Column("in_flight_until", sa.BigInteger(), nullable=False,
                                                 server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("password_throttle") as batch:
        batch.drop_column("in_flight_until")
        batch.drop_column("in_flight")
