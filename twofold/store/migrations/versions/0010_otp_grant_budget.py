"""Guesses made with Okta's OTP grant (a TOTP code without a password) spend a per-user budget
of their own, apart from the password-gated MFA counter

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("otp_grant_failures", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("users", sa.Column("otp_grant_last_attempt_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # Never a table rebuild on SQLite (its native DROP COLUMN, 3.35+): dropping the old `users`
    # table would cascade into every factor, token and session of every user.
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.drop_column("otp_grant_last_attempt_at")
        batch.drop_column("otp_grant_failures")
