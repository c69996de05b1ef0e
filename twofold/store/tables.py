"""The schema. Times are integer milliseconds since the epoch (UTC) on every backend, so
comparisons in SQL behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Ms = BigInteger  # epoch milliseconds

org = Table(
    "org", metadata,
    Column("id", Integer, primary_key=True),  # always 1: the bootstrap marker
    Column("name", String(200), nullable=False),
    Column("master_key_ids", Text, nullable=False),  # keys that sealed data here; checked at start
    Column("created_at", Ms, nullable=False),
)

realms = Table(
    "realms", metadata,
    Column("id", String(20), primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("created_at", Ms, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", String(20), primary_key=True),
    Column("realm_id", String(20), ForeignKey("realms.id"), nullable=False),
    Column("login", String(320), nullable=False),
    Column("login_key", String(320), nullable=False),  # case-folded login, unique per realm
    Column("email", String(320), nullable=True),
    Column("first_name", String(200), nullable=True),
    Column("last_name", String(200), nullable=True),
    Column("mobile_phone", String(100), nullable=True),
    Column("profile_extra", Text, nullable=True),  # JSON of other profile attributes
    Column("password_hash", Text, nullable=True),
    Column("status", String(32), nullable=False),
    Column("created_at", Ms, nullable=False),
    Column("activated_at", Ms, nullable=True),
    Column("status_changed_at", Ms, nullable=True),
    Column("last_login_at", Ms, nullable=True),
    Column("last_updated_at", Ms, nullable=False),
    Column("password_changed_at", Ms, nullable=True),
    # One counter for every path that checks a second factor (R30): reserved atomically
    # before a code is evaluated (R31), reset by a success (R32).
    Column("mfa_failures", Integer, nullable=False, server_default="0"),
    Column("mfa_last_attempt_at", Ms, nullable=True),
    # Guesses made without a password (Okta's OTP grant) count here, with their own limit and
    # cooldown, so someone who knows only the login cannot lock the password + second-factor
    # sign-in (R33) while their guesses stay bounded (R30, R31).
    Column("otp_grant_failures", Integer, nullable=False, server_default="0"),
    Column("otp_grant_last_attempt_at", Ms, nullable=True),
    Index("uq_users_realm_login", "realm_id", "login_key", unique=True),
)

factors = Table(
    "factors", metadata,
    Column("id", String(20), primary_key=True),  # Okta-style id
    Column("device_id", String(24), nullable=False, unique=True),  # Auth0 `dev_…`
    Column("user_id", String(20), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),  # registry key: totp, recovery_code, …
    Column("provider", String(32), nullable=False),
    Column("status", String(32), nullable=False),  # PENDING_ACTIVATION | ACTIVE
    Column("secret_sealed", LargeBinary, nullable=True),  # AES-GCM (R7)
    Column("secret_hash", LargeBinary, nullable=True),  # hashed look-up secret (R15)
    Column("algorithm", String(16), nullable=True),
    Column("digits", Integer, nullable=True),
    Column("period", Integer, nullable=True),
    Column("last_used_step", BigInteger, nullable=True),  # R2: compare-and-set, never read-check-write
    Column("profile", Text, nullable=True),
    Column("created_at", Ms, nullable=False),
    Column("last_updated_at", Ms, nullable=False),
    Column("activated_at", Ms, nullable=True),
    Column("activation_expires_at", Ms, nullable=True),  # a pending factor expires unconfirmed
    Index("ix_factors_user", "user_id"),
    Index(
        "uq_factors_active_kind", "user_id", "type", "provider", unique=True,
        sqlite_where=Column("status") == "ACTIVE", postgresql_where=Column("status") == "ACTIVE",
    ),
)

clients = Table(
    "clients", metadata,
    Column("client_id", String(64), primary_key=True),
    Column("secret_hash", LargeBinary, nullable=True),
    Column("client_name", String(200), nullable=False),
    Column("grant_types", Text, nullable=False),  # JSON list of grant-type URIs
    Column("token_endpoint_auth_method", String(32), nullable=False),
    Column("application_type", String(32), nullable=False),
    Column("redirect_uris", Text, nullable=False),
    Column("response_types", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Ms, nullable=False),
)

mfa_transactions = Table(
    "mfa_transactions", metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("client_id", String(64), ForeignKey("clients.client_id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(20), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("audience", Text, nullable=True),
    Column("scope", Text, nullable=True),
    Column("amr", String(64), nullable=False),
    Column("auth_time", Ms, nullable=False),
    Column("server_id", String(64), nullable=True),  # authorization server; NULL = the Auth0 root
    Column("created_at", Ms, nullable=False),
    Column("expires_at", Ms, nullable=False),
    Column("consumed_at", Ms, nullable=True),
    Index("ix_mfa_transactions_expires", "expires_at"),
)

refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("family_id", String(32), nullable=False),
    Column("client_id", String(64), ForeignKey("clients.client_id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(20), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("audience", Text, nullable=True),
    Column("scope", Text, nullable=False),
    Column("amr", String(64), nullable=False),
    Column("auth_time", Ms, nullable=False),
    Column("server_id", String(64), nullable=True),
    Column("created_at", Ms, nullable=False),
    Column("expires_at", Ms, nullable=False),  # this token's end: the family's, or sooner when idle
    Column("family_expires_at", Ms, nullable=True),  # the family's absolute end; NULL = unlimited (a rule's 0)
    Column("used_at", Ms, nullable=True),
    Column("revoked_at", Ms, nullable=True),
    Index("ix_refresh_tokens_family", "family_id"),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", Ms, nullable=False),
    Column("revoked_at", Ms, nullable=True),
)

authorization_servers = Table(
    "authorization_servers", metadata,
    Column("id", String(64), primary_key=True),  # `default` exists out of the box
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=True),
    Column("audiences", Text, nullable=False),  # JSON list
    Column("status", String(16), nullable=False),  # ACTIVE | INACTIVE
    Column("created_at", Ms, nullable=False),
    Column("last_updated_at", Ms, nullable=False),
)

# JWT signing keys (services.signing_keys). A key is published from its creation, signs from
# `activates_at` (the newest key whose time has come signs), and leaves the JWKS once its
# successor has signed for the longest token lifetime; which key is which follows from the
# times, so every process agrees.
signing_keys = Table(
    "signing_keys", metadata,
    Column("kid", String(64), primary_key=True),
    Column("alg", String(16), nullable=False),
    Column("private_sealed", LargeBinary, nullable=False),
    Column("public_jwk", Text, nullable=False),
    Column("created_at", Ms, nullable=False),  # published from then
    Column("activates_at", Ms, nullable=False),  # signs from then
)

# Password failures are counted per login name, not per user row, so an unknown login
# locks exactly like a known one and the lockout tells nothing (R34, R42). Attempts being
# checked hold a slot (in_flight) until their verdict, leased until in_flight_until so a
# crashed request cannot keep one; only confirmed failures lock (store/throttle.py).
password_throttle = Table(
    "password_throttle", metadata,
    Column("key", String(400), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_attempt_at", Ms, nullable=False),  # the last counted failure (or the row's creation)
    Column("in_flight", Integer, nullable=False, server_default="0"),
    Column("in_flight_until", Ms, nullable=False, server_default="0"),
)

audit_events = Table(
    "audit_events", metadata,
    Column("id", String(32), primary_key=True),
    Column("at", Ms, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # SUCCESS | FAILURE | DENY
    Column("reason", String(64), nullable=True),
    Column("user_id", String(20), nullable=True),
    Column("client_id", String(64), nullable=True),
    Column("factor_id", String(20), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Column("detail", Text, nullable=True),  # JSON; never a secret (R68)
    Index("ix_audit_events_at", "at"),
    Index("ix_audit_events_user", "user_id"),
)

# The admin plane (Okta's management API): org-wide authenticators and policies.
authenticators = Table(
    "authenticators", metadata,
    Column("id", String(20), primary_key=True),  # Okta-style `aut…`
    Column("key", String(64), nullable=False, unique=True),  # google_otp, okta_verify, security_question, …
    Column("type", String(32), nullable=False),  # app | password | email | phone | security_question
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # ACTIVE | INACTIVE
    Column("settings", Text, nullable=True),  # JSON object
    Column("created_at", Ms, nullable=False),
    Column("last_updated_at", Ms, nullable=False),
)

policies = Table(
    "policies", metadata,
    Column("id", String(20), primary_key=True),  # `00p…`
    Column("type", String(32), nullable=False),  # MFA_ENROLL (authorization-server policies come later)
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=True),
    Column("status", String(16), nullable=False),  # ACTIVE | INACTIVE
    Column("priority", Integer, nullable=False),  # 1 is evaluated first; the system policy is last
    Column("system", Integer, nullable=False),  # 1: the Default Policy, which cannot be deleted
    Column("settings", Text, nullable=False),  # JSON object
    Column("conditions", Text, nullable=True),  # JSON object
    Column("created_at", Ms, nullable=False),
    Column("last_updated_at", Ms, nullable=False),
    Index("ix_policies_type_priority", "type", "priority"),
)

# Access policies of custom authorization servers (Okta's /authorizationServers/{id}/policies):
# which clients they cover, and rules saying which grants, scopes and token lifetimes apply.
server_policies = Table(
    "server_policies", metadata,
    Column("id", String(20), primary_key=True),  # `00p…`
    Column("server_id", String(64), ForeignKey("authorization_servers.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=True),
    Column("status", String(16), nullable=False),  # ACTIVE | INACTIVE
    Column("priority", Integer, nullable=False),
    Column("clients", Text, nullable=False),  # JSON list: ["ALL_CLIENTS"] or client ids
    Column("created_at", Ms, nullable=False),
    Column("last_updated_at", Ms, nullable=False),
    Index("ix_server_policies_server", "server_id"),
)

server_policy_rules = Table(
    "server_policy_rules", metadata,
    Column("id", String(20), primary_key=True),  # `0pr…`
    Column("policy_id", String(20), ForeignKey("server_policies.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("grant_types", Text, nullable=False),  # JSON list of grant-type URIs
    Column("scopes", Text, nullable=False),  # JSON list; ["*"] = any
    Column("access_token_minutes", Integer, nullable=False),
    Column("refresh_token_minutes", Integer, nullable=False),  # 0 = unlimited
    Column("refresh_window_minutes", Integer, nullable=False),
    Column("created_at", Ms, nullable=False),
    Column("last_updated_at", Ms, nullable=False),
    Index("ix_server_policy_rules_policy", "policy_id"),
)

# The Admin Console: administrators (Okta's SUPER_ADMIN role) and their browser sessions.
admin_roles = Table(
    "admin_roles", metadata,
    Column("user_id", String(20), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(32), primary_key=True),  # SUPER_ADMIN
    Column("created_at", Ms, nullable=False),
)

console_sessions = Table(
    "console_sessions", metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),  # SHA-256 of the cookie (R15)
    Column("user_id", String(20), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(16), nullable=False),  # password (second factor due) | full
    Column("created_at", Ms, nullable=False),
    Column("expires_at", Ms, nullable=False),  # absolute end
    Column("last_seen_at", Ms, nullable=False),  # idle timeout
    Index("ix_console_sessions_user", "user_id"),
)

# Scopes and claims of custom authorization servers (Okta's /authorizationServers/{id}/scopes
# and /claims). The OIDC scopes are seeded as `system` scopes for every custom server.
server_scopes = Table(
    "server_scopes", metadata,
    Column("id", String(20), primary_key=True),  # `scp…`
    Column("server_id", String(64), ForeignKey("authorization_servers.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("display_name", String(300), nullable=True),
    Column("description", Text, nullable=True),
    Column("system", Boolean, nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("consent", String(16), nullable=False),  # IMPLICIT | REQUIRED | FLEXIBLE
    Column("metadata_publish", String(16), nullable=False),  # ALL_CLIENTS | NO_CLIENTS
    Column("created_at", Ms, nullable=False),
    Column("last_updated_at", Ms, nullable=False),
    UniqueConstraint("server_id", "name"),  # one scope of a name per server (Okta E0000001)
)

server_claims = Table(
    "server_claims", metadata,
    Column("id", String(20), primary_key=True),  # `ocl…`
    Column("server_id", String(64), ForeignKey("authorization_servers.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # ACTIVE | INACTIVE
    Column("claim_type", String(16), nullable=False),  # RESOURCE (access token) | IDENTITY (ID token)
    Column("value_type", String(16), nullable=False),  # EXPRESSION | GROUPS | SYSTEM
    Column("value", Text, nullable=False),
    Column("group_filter_type", String(32), nullable=True),  # for GROUPS: STARTS_WITH, EQUALS, CONTAINS, REGEX
    Column("always_include", Boolean, nullable=False),
    Column("scopes", Text, nullable=False),  # JSON list: conditions.scopes
    Column("system", Boolean, nullable=False),
    Column("created_at", Ms, nullable=False),
    Column("last_updated_at", Ms, nullable=False),
    Index("ix_server_claims_server", "server_id"),
)

# A code sent by SMS, voice or email (services.oob): stored hashed (R24), valid until
# `expires_at` (R20), spent once by a compare-and-set on `used_at` (R1), and bound to the factor
# and the MFA transaction it was sent for (R21). The client holds the `oob_code` naming it.
oob_challenges = Table(
    "oob_challenges", metadata,
    Column("id", String(24), primary_key=True),
    Column("oob_code_hash", LargeBinary(32), nullable=False, unique=True),  # SHA-256 of the handed-out oob_code
    Column("factor_id", String(20), ForeignKey("factors.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(20), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("txn_id", String(32), nullable=True),  # the MFA transaction it was sent for; None: Okta's Factors API
    Column("code_hash", LargeBinary(32), nullable=False),  # HMAC-SHA256 under a derived key
    Column("created_at", Ms, nullable=False),
    Column("expires_at", Ms, nullable=False),
    Column("used_at", Ms, nullable=True),
    Index("ix_oob_challenges_factor", "factor_id"),
)

# Send budgets (R27): one row per key (a user, a number or address, a country calling code),
# each change one atomic upsert.
send_budgets = Table(
    "send_budgets", metadata,
    Column("key", String(400), primary_key=True),
    Column("window_start", Ms, nullable=False),
    Column("sent", Integer, nullable=False),
    Column("last_sent_at", Ms, nullable=False),
)

# The development provider's messages (delivery.outbox): kept no longer than their code lives.
outbox_messages = Table(
    "outbox_messages", metadata,
    Column("id", String(24), primary_key=True),
    Column("channel", String(8), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=True),
    Column("body", Text, nullable=False),
    Column("html", Text, nullable=True),
    Column("created_at", Ms, nullable=False),
    Column("expires_at", Ms, nullable=False),
    Index("ix_outbox_messages_expires", "expires_at"),
)
