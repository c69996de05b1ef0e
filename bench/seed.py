"""Seeding a benchmark database through twofold's own store and crypto (fast bulk inserts):
users, confirmed TOTP factors (or, in the SMS groups, ACTIVE sms factors with a number each),
a client, and MFA transactions for the mfa-otp scenario."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import insert

from twofold.authenticators import get as authenticator
from twofold.authenticators.base import EnrollRequest
from twofold.config import Settings
from twofold.domain import ids, otp
from twofold.services import clients
from twofold.services.bootstrap import DEFAULT_REALM, build_runtime
from twofold.store import tables
from twofold.store import users as user_store

PASSWORD = "bench-password-1"
BATCH = 5000


def phone_number(i: int) -> str:
    """The i-th bench number: +1 415 2XX XXXX and up (San Francisco; libphonenumber accepts
    every one, unlike the fictional 555-01XX; the seeding checks each with parse_phone)."""
    return f"+1415{200 + i // 10_000:03d}{i % 10_000:04d}"


@dataclass
class BenchUser:
    user_id: str
    login: str
    factor_id: str
    seed: bytes  # the TOTP seed (b"" for an sms factor)
    phone: str = ""  # the sms factor's number (E.164)


@dataclass
class Seeded:
    groups: dict[str, list[BenchUser]]
    client_id: str
    client_secret: str
    mfa_tokens: dict[str, list[str]] = field(default_factory=dict)  # user id → tokens


async def _bulk(conn, table, rows: list[dict]) -> None:
    shapes: dict[tuple, list[dict]] = {}  # one executemany per set of columns (TOTP and sms rows differ)
    for row in rows:
        shapes.setdefault(tuple(sorted(row)), []).append(row)
    for same in shapes.values():
        for i in range(0, len(same), BATCH):
            await conn.execute(insert(table), same[i:i + BATCH])


async def seed(settings: Settings, sizes: dict[str, int], mfa_token_groups: tuple[str, ...] = (),
               mfa_tokens_per_user: int = 2, sms_groups: tuple[str, ...] = ()) -> Seeded:
    """Users in named groups (one per scenario, so each scenario's codes are fresh). All users
    share one argon2id hash: the cost of verifying it is what matters. The users of
    `sms_groups` get an ACTIVE sms factor, each with its own number (phone_number,
    checked as enrollment checks it)."""
    rt, _ = await build_runtime(settings)
    try:
        pw_hash = rt.passwords.hash_sync(PASSWORD)
        client, secret = await clients.register(
            rt, client_name="bench", token_endpoint_auth_method="client_secret_post",
            grant_types=["password", "http://auth0.com/oauth/grant-type/mfa-otp"])
        totp, sms = authenticator("totp"), authenticator("sms")
        now = rt.now_ms()
        user_rows, factor_rows, txn_rows = [], [], []
        seeded = Seeded({}, client.client_id, secret)
        async with rt.db.transaction() as conn:
            realm = await user_store.realm_by_name(conn, DEFAULT_REALM)
        plan = [(group, i) for group, n in sizes.items() for i in range(n)]
        for group, i in plan:
            prefix = group
            uid = ids.okta_id("00u")
            login = f"{prefix}{i}-{secrets.token_hex(3)}@bench.example"
            user_rows.append(dict(
                id=uid, realm_id=realm.id, login=login, login_key=login, email=login, first_name="Bench",
                last_name=str(i), password_hash=pw_hash, status="ACTIVE", created_at=now, activated_at=now,
                status_changed_at=now, last_updated_at=now, password_changed_at=now, mfa_failures=0))
            if group in sms_groups:
                profile = sms.validate({"phoneNumber": phone_number(i)})  # parse_phone: refused if invalid
                enrollment = sms.enroll(rt.sealer, EnrollRequest(user_id=uid, login=login, provider="OKTA", now=now,
                                                                 activation_expires_at=now, profile=profile))
                user = BenchUser(uid, login, enrollment.values["id"], b"", profile["phoneNumber"])
            else:
                enrollment = totp.enroll(rt.sealer, EnrollRequest(user_id=uid, login=login, provider="GOOGLE",
                                                                  now=now, activation_expires_at=now))
                user = BenchUser(uid, login, enrollment.values["id"], otp.b32decode(enrollment.shown_secret))
            factor_rows.append({**enrollment.values, "status": "ACTIVE", "activated_at": now})
            seeded.groups.setdefault(group, []).append(user)
            for _ in range(mfa_tokens_per_user if group in mfa_token_groups else 0):
                token = ids.opaque_token(32)
                seeded.mfa_tokens.setdefault(uid, []).append(token)
                txn_rows.append(dict(
                    id=ids.opaque_token(16)[:22], token_hash=ids.token_hash(token), client_id=client.client_id,
                    user_id=uid, audience=None, scope="openid", amr="pwd", auth_time=now, server_id=None,
                    created_at=now, expires_at=now + 3_600_000, consumed_at=None))
        async with rt.db.transaction() as conn:
            await _bulk(conn, tables.users, user_rows)
            await _bulk(conn, tables.factors, factor_rows)
            await _bulk(conn, tables.mfa_transactions, txn_rows)
        return seeded
    finally:
        await rt.db.dispose()
