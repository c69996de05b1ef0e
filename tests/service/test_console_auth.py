"""Admin Console sessions with an injected clock, on both backends: sign-in stages, expiry,
idle timeout, single use of the half-signed-in session, and the shared counters (R15, R29,
R30, R31, R34, R44)."""
from __future__ import annotations

import asyncio
import hashlib

import pytest
from sqlalchemy import select

from twofold.domain.errors import InvalidCredentials, InvalidOtp, TooManyAttempts
from twofold.services import console_auth, factors
from twofold.services.console_auth import SignInFailed
from twofold.store.tables import console_sessions

from ..support import PASSWORD, oathtool_totp, secret_from_uri


async def _admin_with_totp(rt, user) -> str:
    """Grant the role, sign in with the password and enroll through the console; returns the
    TOTP key (the enrollment's first code was taken at the clock's step)."""
    await console_auth.grant_admin(rt, user.id)
    half = await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    assert (await console_auth.second_factor_state(rt, half)).kind == "enroll"
    info = await console_auth.start_enrollment(rt, half, None)
    secret = secret_from_uri(info.activation.key_uri)
    full = await console_auth.finish_enrollment(rt, half, info.view.id, oathtool_totp(secret, rt.clock.now()), None)
    assert (await console_auth.current(rt, full)).user_id == user.id
    return secret


async def test_the_half_signed_in_session_never_opens_pages_and_is_promoted_once(rt, user):
    secret = await _admin_with_totp(rt, user)
    rt.clock.advance(30)
    half = await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    assert await console_auth.current(rt, half) is None  # password alone opens nothing
    code = oathtool_totp(secret, rt.clock.now())
    results = await asyncio.gather(*(console_auth.sign_in_code(rt, half, code, None) for _ in range(5)),
                                   return_exceptions=True)
    cookies = [r for r in results if isinstance(r, str)]
    assert len(cookies) == 1, results  # one code, one session (R1)
    assert all(isinstance(r, (InvalidOtp, SignInFailed)) for r in results if not isinstance(r, str))
    assert await console_auth.current(rt, half) is None  # the old cookie is dead (no fixation)
    assert (await console_auth.current(rt, cookies[0])).login == user.login


async def test_sessions_are_stored_hashed_and_end_when_idle_expired_or_signed_out(rt, user):
    secret = await _admin_with_totp(rt, user)
    rt.clock.advance(30)
    half = await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    cookie = await console_auth.sign_in_code(rt, half, oathtool_totp(secret, rt.clock.now()), None)
    async with rt.db.transaction() as conn:
        stored = (await conn.execute(select(console_sessions.c.token_hash))).scalars().all()
    assert hashlib.sha256(cookie.encode()).digest() in stored  # R15: only the SHA-256 is at rest…
    assert cookie.encode() not in stored and all(len(h) == 32 for h in stored)  # …never the cookie

    rt.clock.advance(rt.settings.console_idle_ttl - 60)
    assert await console_auth.current(rt, cookie) is not None  # activity keeps it alive…
    rt.clock.advance(rt.settings.console_idle_ttl + 1)
    assert await console_auth.current(rt, cookie) is None  # …idle too long ends it

    rt.clock.advance(30)
    half = await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    rt.clock.advance(rt.settings.console_signin_ttl + 1)
    with pytest.raises(SignInFailed):  # the second factor is due within minutes
        await console_auth.sign_in_code(rt, half, oathtool_totp(secret, rt.clock.now()), None)

    half = await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    cookie = await console_auth.sign_in_code(rt, half, oathtool_totp(secret, rt.clock.now()), None)
    await console_auth.sign_out(rt, cookie, None)
    assert await console_auth.current(rt, cookie) is None


async def test_absolute_lifetime(rt, user):
    secret = await _admin_with_totp(rt, user)
    rt.clock.advance(30)
    half = await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    cookie = await console_auth.sign_in_code(rt, half, oathtool_totp(secret, rt.clock.now()), None)
    for _ in range(rt.settings.console_session_ttl // 600 - 1):  # in use every ten minutes: alive…
        rt.clock.advance(600)
        assert await console_auth.current(rt, cookie) is not None
    rt.clock.advance(600)  # …until the absolute lifetime ends it, however active
    assert await console_auth.current(rt, cookie) is None


async def test_non_admins_and_losing_the_role_or_status(rt, user):
    with pytest.raises(InvalidCredentials):  # right password, no role: the wrong-password answer
        await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    secret = await _admin_with_totp(rt, user)
    rt.clock.advance(30)
    half = await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    cookie = await console_auth.sign_in_code(rt, half, oathtool_totp(secret, rt.clock.now()), None)
    from twofold.services import user_lifecycle

    await user_lifecycle.suspend(rt, user.id)
    assert await console_auth.current(rt, cookie) is None  # a suspended admin is out at once


async def test_console_failures_count_on_the_same_counters_as_every_path(rt, user):
    """R31/R34: the console's password guesses fill the same throttle as /oauth/token's; its
    code guesses fill the same MFA counter as Okta's verify."""
    secret = await _admin_with_totp(rt, user)
    for _ in range(rt.settings.password_max_failures):
        with pytest.raises(InvalidCredentials):
            await console_auth.sign_in_password(rt, user.login, "wrong-password", None)
    with pytest.raises(TooManyAttempts):
        await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    rt.clock.advance(rt.settings.password_lockout_seconds + 30)
    half = await console_auth.sign_in_password(rt, user.login, PASSWORD, None)
    bad = "000000" if oathtool_totp(secret, rt.clock.now()) != "000000" else "111111"
    for _ in range(rt.settings.mfa_max_failures):
        with pytest.raises(InvalidOtp):
            await console_auth.sign_in_code(rt, half, bad, None)
    with pytest.raises(TooManyAttempts):
        await console_auth.sign_in_code(rt, half, oathtool_totp(secret, rt.clock.now()), None)
    # The same counter locks the factor's other paths too (Okta verify).
    active = [f for f in await factors.list_factors(rt, user.id) if f.view.status == "ACTIVE"]
    with pytest.raises(TooManyAttempts):
        await factors.verify(rt, user.id, active[0].view.id, oathtool_totp(secret, rt.clock.now()), None)


async def test_granting_the_role_twice_at_once_grants_it_once(rt, user):
    results = await asyncio.gather(*(console_auth.grant_admin(rt, user.id) for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
