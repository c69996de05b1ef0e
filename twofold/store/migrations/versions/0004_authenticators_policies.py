"""The admin plane: org-wide authenticators and authenticator enrollment (MFA_ENROLL) policies

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
import json
import secrets
import time

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# What twofold could already enroll before this migration stays enabled: the password, both
# TOTP apps and the security question. Email and phone are added by an administrator.
DEFAULT_AUTHENTICATORS = [
    ("okta_password", "password", "Password", None, "REQUIRED"),
    ("google_otp", "app", "Google Authenticator", {"algorithm": "SHA1", "digits": 6, "period": 30}, "OPTIONAL"),
    ("okta_verify", "app", "Okta Verify", None, "OPTIONAL"),
    ("security_question", "security_question", "Security Question", {"allowedFor": "any"}, "OPTIONAL"),
]


def _id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_B62) for _ in range(20 - len(prefix)))


def upgrade() -> None:
    authenticators = op.create_table(
        "authenticators",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authenticators")),
        sa.UniqueConstraint("key", name=op.f("uq_authenticators_key")),
    )
    policies = op.create_table(
        "policies",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("system", sa.Integer(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
    )
    op.create_index("ix_policies_type_priority", "policies", ["type", "priority"])
    now = int(time.time() * 1000)
    op.bulk_insert(authenticators, [
        {"id": _id("aut"), "key": key, "type": type_, "name": name, "status": "ACTIVE",
         "settings": json.dumps(settings) if settings else None, "created_at": now, "last_updated_at": now}
        for key, type_, name, settings, _ in DEFAULT_AUTHENTICATORS
    ])
    op.bulk_insert(policies, [{
        "id": _id("00p"), "type": "MFA_ENROLL", "name": "Default Policy",
        "description": "The default policy applies in all situations if no other policy applies.",
        "status": "ACTIVE", "priority": 1, "system": 1,
        "settings": json.dumps({"type": "AUTHENTICATORS", "authenticators": [
            {"key": key, "enroll": {"self": enroll}} for key, _, _, _, enroll in DEFAULT_AUTHENTICATORS]}),
        "conditions": None, "created_at": now, "last_updated_at": now,
    }])


def downgrade() -> None:
    op.drop_index("ix_policies_type_priority", table_name="policies")
    op.drop_table("policies")
    op.drop_table("authenticators")
