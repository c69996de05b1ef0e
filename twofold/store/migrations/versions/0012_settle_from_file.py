"""twofold_settle_otp is installed from its one file, twofold/store/sql/twofold_settle_otp.sql

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25

Until now the function's text was 0003's, patched by string replacement in 0009, so it existed
nowhere in one piece. The file holds it whole (unchanged in behaviour); store/settle.py reads
the same file. A later change to the function edits the file and adds a migration that
installs it again, keeping the text it replaces for its downgrade.
"""
import importlib.util
from pathlib import Path

from alembic import op

from twofold.store.settle import function_source

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The file's current text: on a fresh database the later migrations that install it
        # again (0013) change nothing; their downgrades go back to the text each replaced.
        op.execute(function_source())


def downgrade() -> None:
    # Back to 0009's text, installed by 0009 itself (migrations are snapshots).
    spec = importlib.util.spec_from_file_location(
        "twofold_migration_0009", Path(__file__).with_name("0009_settle_active_user.py"))
    migration_0009 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration_0009)
    migration_0009.upgrade()
