"""Password sign-in (Auth0 `password`/`password-realm`, Okta `password`): check the password
under its own throttle, then either finish or open an MFA transaction."""
from __future__ import annotations

import asyncio
import random
import weakref

from ..domain import grants, policy
from ..domain.errors import InvalidCredentials, MfaRequired, NoUsableFactor, TooManyAttempts, UnknownRealm
from ..store import throttle
from ..store import users as user_store
from . import audit, next_step, org_authenticators
from .bootstrap import DEFAULT_REALM
from .clients import Client
from .mfa import start_transaction
from .runtime import RequestMeta, Runtime
from .tokens import Authentication, issue
from .users import login_key, throttle_key

MAX_USERNAME, MAX_PASSWORD = 320, 1024

# Realms are created and never renamed or deleted, so a found realm's row is remembered per
# database: one statement less on every sign-in. Unknown names are asked every time.
_realms: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def _realm(rt: Runtime, name: str):
    known = _realms.setdefault(rt.db, {})
    row = known.get(name)
    if row is None:
        row = await user_store.realm_by_name(rt.db, name)
        if row is not None:
            known[name] = row
    return row


async def check_password(rt: Runtime, *, username: str, password: str, realm: str | None,
                         meta: RequestMeta | None, client_id: str | None):
    """The password step every sign-in shares (token endpoints and the Admin Console), under
    one throttle per login and realm (R31, R34): one statement takes the attempt's slot before
    the hash, one gives the verdict after it. A wrong password's is given here. Returns
    (user, throttle key, rehash), rehash being (old hash, new hash) when the hash's parameters
    are outdated, else None; the caller gives the success's verdict (throttle.succeeded) and
    records the login in its own atomic writes, or counts a failure if it still refuses."""
    s = rt.settings
    if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
        raise InvalidCredentials()
    realm_row = await _realm(rt, realm or DEFAULT_REALM)
    if realm_row is None:
        raise UnknownRealm(realm or "")
    key = throttle_key(realm_row.id, login_key(username))
    await _take_slot(rt, key, meta, client_id)
    try:
        user = await user_store.by_login(rt.db, realm_row.id, login_key(username))
        matches, needs_rehash = await rt.passwords.verify(user.password_hash if user else None, password)
        rehash = (user.password_hash, await rt.passwords.hash(password)) if matches and needs_rehash else None
    except BaseException:
        await throttle.released(rt.db, key)
        raise
    if not (matches and user is not None and user.status == "ACTIVE"):
        await throttle.failed(rt.db, key, rt.now_ms(), s.password_max_failures, s.password_lockout_seconds * 1000)
        await audit.record(rt.db, rt.now_ms(), "user.authentication.password", "FAILURE", meta=meta,
                           user_id=user.id if user else None, client_id=client_id,
                           reason="invalid_credentials")
        raise InvalidCredentials()
    return user, key, rehash


# While attempts in flight fill the budget (not failures), a sign-in waits for a slot: short
# sleeps, growing, with jitter, for at most this long, then it is refused like a locked one.
SLOT_WAIT_SECONDS = 10.0
_FIRST_SLEEP, _MAX_SLEEP = 0.005, 0.1


async def _take_slot(rt: Runtime, key: str, meta: RequestMeta | None, client_id: str | None) -> None:
    s = rt.settings
    limits = (s.password_max_failures, s.password_lockout_seconds * 1000)
    loop = asyncio.get_running_loop()
    deadline, sleep = loop.time() + SLOT_WAIT_SECONDS, _FIRST_SLEEP
    while not await throttle.reserve(rt.db, key, rt.now_ms(), *limits):
        locked = await throttle.locked(rt.db, key, rt.now_ms(), *limits)
        if locked or loop.time() + sleep > deadline:
            await audit.record(rt.db, rt.now_ms(), "user.authentication.password", "DENY", meta=meta,
                               client_id=client_id, reason="locked_out" if locked else "busy")
            # R34: while locked, the password is not even checked, so the answer tells nothing.
            raise TooManyAttempts(kind="password", retry_after=s.password_lockout_seconds)
        await asyncio.sleep(sleep * random.uniform(0.5, 1.5))
        sleep = min(sleep * 2, _MAX_SLEEP)


async def password_login(rt: Runtime, client: Client, *, username: str, password: str, realm: str | None,
                         audience: str | None, scope: str | None, meta: RequestMeta | None = None,
                         server_id: str | None = None) -> dict:
    """A sign-in storm's first step. Before the hash: take the attempt's slot (one upsert,
    atomic alone) and read the user; after it: one transaction for a success's writes, the
    throttle's verdict among them. No database connection is held while argon2id runs."""
    user, key, rehash = await check_password(rt, username=username, password=password, realm=realm, meta=meta,
                                             client_id=client.client_id)
    rules = await org_authenticators.cached_rules(rt)  # read before the transaction (SQLite: one writer)
    async with rt.db.atomic():
        now = rt.now_ms()
        await throttle.succeeded(rt.db, key)
        await user_store.record_login(rt.db, user.id, now, rehash)
        await audit.record(rt.db, now, "user.authentication.password", "SUCCESS", meta=meta,
                           user_id=user.id, client_id=client.client_id)
        step = await next_step.after_password(rt.db, rt, rules, user.id, surface=policy.TOKEN_ENDPOINT,
                                              audience=audience)
        token = None
        if step.kind in ("enroll", "challenge"):
            token = await start_transaction(rt, client_id=client.client_id, user_id=user.id, audience=audience,
                                            scope=scope, amr=["pwd"], auth_time=now, server_id=server_id)
        elif step.kind == "unusable":
            await audit.record(rt.db, now, "mfa.verify", "DENY", meta=meta,
                               user_id=user.id, client_id=client.client_id, reason="no_usable_factor")
    if token is not None:  # raised after the commit: the transaction must exist
        raise MfaRequired(token, step)
    if step.kind == "unusable":
        raise NoUsableFactor()
    auth = Authentication(user_id=user.id, audience=audience, scope=scope, amr=["pwd"], auth_time=now,
                          server_id=server_id, grant_type=grants.PASSWORD)
    async with rt.db.transaction() as conn:
        return await issue(conn, rt, client, auth, meta)


async def otp_login(rt: Runtime, client: Client, *, login_hint: str, otp: str, scope: str | None,
                    server_id: str | None, meta: RequestMeta | None = None) -> dict:
    """Okta's `urn:okta:params:oauth:grant-type:otp`: a TOTP code as the primary factor, for
    clients an administrator allowed it. Same verifier and replay guard; its guesses spend a
    budget of their own (verify.check_otp_grant), and every failure answers alike (R34, R50)."""
    from .verify import check_otp_grant

    if len(login_hint) > MAX_USERNAME:
        raise InvalidCredentials()
    rules = await org_authenticators.cached_rules(rt)  # read before the transaction (SQLite: one writer)
    async with rt.db.transaction() as conn:
        user = await user_store.by_login_any_realm(conn, login_key(login_hint))
        active = user if user is not None and user.status == "ACTIVE" else None
        result = await check_otp_grant(conn, rt, active, otp, meta=meta, client_id=client.client_id, rules=rules)
        if result.ok:
            now = rt.now_ms()
            await user_store.record_login(conn, active.id, now, None)
            auth = Authentication(user_id=active.id, audience=None, scope=scope, amr=list(result.amr), auth_time=now,
                                  server_id=server_id, grant_type=grants.OKTA_OTP)
            return await issue(conn, rt, client, auth, meta)
    raise result.error  # after the commit: the counted attempt and its audit row persist
