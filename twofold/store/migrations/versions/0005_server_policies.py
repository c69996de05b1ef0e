"""Access policies and rules of custom authorization servers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
import json
import secrets
import time

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Every grant a custom server answered before this migration stays allowed, so an upgrade
# changes nothing until an administrator edits the rule (Okta's own default rule starts
# without the MFA OTP grant; seed 000 shows how to add it).
DEFAULT_RULE_GRANTS = [
    "authorization_code", "client_credentials", "password", "refresh_token",
    "urn:okta:params:oauth:grant-type:otp", "http://auth0.com/oauth/grant-type/mfa-otp",
]


def _id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_B62) for _ in range(20 - len(prefix)))


def upgrade() -> None:
    policies = op.create_table(
        "server_policies",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("server_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("clients", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["authorization_servers.id"], ondelete="CASCADE",
                                name=op.f("fk_server_policies_server_id_authorization_servers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_policies")),
    )
    op.create_index("ix_server_policies_server", "server_policies", ["server_id"])
    rules = op.create_table(
        "server_policy_rules",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("policy_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("grant_types", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("access_token_minutes", sa.Integer(), nullable=False),
        sa.Column("refresh_token_minutes", sa.Integer(), nullable=False),
        sa.Column("refresh_window_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["policy_id"], ["server_policies.id"], ondelete="CASCADE",
                                name=op.f("fk_server_policy_rules_policy_id_server_policies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_policy_rules")),
    )
    op.create_index("ix_server_policy_rules_policy", "server_policy_rules", ["policy_id"])
    now = int(time.time() * 1000)
    servers = op.get_bind().execute(sa.text("SELECT id FROM authorization_servers")).all()
    policy_rows, rule_rows = [], []
    for (server_id,) in servers:
        policy_id = _id("00p")
        policy_rows.append({"id": policy_id, "server_id": server_id, "name": "Default Policy",
                            "description": "Default policy description", "status": "ACTIVE", "priority": 1,
                            "clients": json.dumps(["ALL_CLIENTS"]), "created_at": now, "last_updated_at": now})
        rule_rows.append({"id": _id("0pr"), "policy_id": policy_id, "name": "Default Policy Rule", "status": "ACTIVE",
                          "priority": 1, "grant_types": json.dumps(DEFAULT_RULE_GRANTS), "scopes": json.dumps(["*"]),
                          "access_token_minutes": 60, "refresh_token_minutes": 0, "refresh_window_minutes": 10080,
                          "created_at": now, "last_updated_at": now})
    if policy_rows:
        op.bulk_insert(policies, policy_rows)
        op.bulk_insert(rules, rule_rows)


def downgrade() -> None:
    op.drop_index("ix_server_policy_rules_policy", table_name="server_policy_rules")
    op.drop_table("server_policy_rules")
    op.drop_index("ix_server_policies_server", table_name="server_policies")
    op.drop_table("server_policies")
