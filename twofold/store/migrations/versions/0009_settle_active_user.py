"""twofold_settle_otp finishes a sign-in only for a user still ACTIVE under its row lock

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

The hot path reads the user before it settles; a user deactivated or suspended in between
could still have completed an mfa-otp sign-in. With an MFA transaction to spend, the function
now locks the user's row only while the user is ACTIVE, and answers 'gone' otherwise.
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _function_of_0003() -> str:
    # Migrations are snapshots: the function is the one of 0003, with one condition added.
    spec = importlib.util.spec_from_file_location("twofold_migration_0003", Path(__file__).with_name("0003_settle_otp.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SETTLE_OTP


_LOCK = "    FROM users WHERE id = p_user_id FOR UPDATE;"
_LOCK_ACTIVE = "    FROM users WHERE id = p_user_id AND (p_txn_id IS NULL OR status = 'ACTIVE') FOR UPDATE;"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        source = _function_of_0003()
        assert source.count(_LOCK) == 1
        op.execute(source.replace(_LOCK, _LOCK_ACTIVE))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_function_of_0003())
