"""Codes sent by SMS, voice and email: their challenges, send budgets and the development
outbox; the Phone and Email authenticators ACTIVE and OPTIONAL in the Default Policy

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

On a fresh org and on an existing one alike (as Okta seeds Email): an authenticator that is
missing is added ACTIVE; the Default Policy gains an OPTIONAL entry for each unless it names
the key already (an administrator's choice stays).
"""
import json
import secrets
import time

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ADDED = [
    ("phone_number", "phone", "Phone", {"allowedFor": "any"}),
    ("okta_email", "email", "Email", {"allowedFor": "any", "tokenLifetimeInMinutes": 5}),
]


def upgrade() -> None:
    op.create_table(
        "oob_challenges",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("oob_code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("factor_id", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=20), nullable=False),
        sa.Column("txn_id", sa.String(length=32), nullable=True),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["factor_id"], ["factors.id"], name=op.f("fk_oob_challenges_factor_id_factors"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_oob_challenges_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oob_challenges")),
        sa.UniqueConstraint("oob_code_hash", name=op.f("uq_oob_challenges_oob_code_hash")),
    )
    op.create_index("ix_oob_challenges_factor", "oob_challenges", ["factor_id"])
    op.create_table(
        "send_budgets",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_budgets")),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index("ix_outbox_messages_expires", "outbox_messages", ["expires_at"])
    _enable_phone_and_email()


def _enable_phone_and_email() -> None:
    conn = op.get_bind()
    now = int(time.time() * 1000)
    for key, type_, name, settings in ADDED:
        found = conn.execute(sa.text("SELECT id FROM authenticators WHERE key = :k"), {"k": key}).first()
        if found is None:
            conn.execute(sa.text(
                "INSERT INTO authenticators (id, key, type, name, status, settings, created_at, last_updated_at) "
                "VALUES (:id, :k, :t, :n, 'ACTIVE', :s, :now, :now)"),
                {"id": "aut" + "".join(secrets.choice(_B62) for _ in range(17)), "k": key, "t": type_, "n": name,
                 "s": json.dumps(settings), "now": now})
    for policy_id, settings in conn.execute(sa.text(
            "SELECT id, settings FROM policies WHERE type = 'MFA_ENROLL' AND system = 1")).all():
        data = json.loads(settings)
        entries = data.setdefault("authenticators", [])
        named = {e.get("key") for e in entries}
        entries += [{"key": key, "enroll": {"self": "OPTIONAL"}} for key, *_ in ADDED if key not in named]
        conn.execute(sa.text("UPDATE policies SET settings = :s, last_updated_at = :now WHERE id = :id"),
                     {"s": json.dumps(data), "now": now, "id": policy_id})


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_expires", table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_table("send_budgets")
    op.drop_index("ix_oob_challenges_factor", table_name="oob_challenges")
    op.drop_table("oob_challenges")
