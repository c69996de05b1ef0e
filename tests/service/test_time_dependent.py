"""Time-dependent rules with an injected clock (no sleeping): TOTP window (R3), the
strictly-later-step rule (R2), lockout cooldown and reset (R29, R32), mfa_token expiry (R44),
refresh-token absolute expiry (R55). Runs the real services on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from twofold.domain import otp
from twofold.domain.errors import InvalidOtp, MfaRequired, MfaTokenExpired, TooManyAttempts
from twofold.services import enroll, login, mfa_login, tokens
from twofold.store import audit as audit_store

from ..support import PASSWORD


async def _mfa_token(rt, client, user, scope="openid offline_access") -> str:
    with pytest.raises(MfaRequired) as info:
        await login.password_login(rt, client, username=user.login, password=PASSWORD, realm=None,
                                   audience=None, scope=scope)
    return info.value.mfa_token


def _code(secret: str, at: float, steps: int = 0) -> str:
    return otp.totp(otp.b32decode(secret), at + 30 * steps)


async def _enrolled(rt, client, user) -> str:
    mt = await _mfa_token(rt, client, user)
    secret = (await enroll.associate_otp(rt, mt)).secret
    await mfa_login.complete_with_otp(rt, client, mt, _code(secret, rt.clock.now(), -1))
    return secret


async def test_window_is_one_step_each_side(rt, client, user):
    secret = await _enrolled(rt, client, user)  # used step t-1
    now = rt.clock.now()
    for steps in (-2, 2):
        with pytest.raises(InvalidOtp):
            await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), _code(secret, now, steps))
    await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), _code(secret, now, 0))
    await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), _code(secret, now, 1))


async def test_an_earlier_step_is_refused_after_a_later_one(rt, client, user):
    secret = await _enrolled(rt, client, user)
    now = rt.clock.now()
    await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), _code(secret, now, 1))
    # Step t is still inside the window and was never used, but it is not later than t+1 (R2).
    with pytest.raises(InvalidOtp) as info:
        await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), _code(secret, now, 0))
    assert info.value.replayed
    async with rt.db.transaction() as conn:
        events = await audit_store.events_for_user(conn, user.id)
    assert any(e.reason == "replayed" for e in events)  # R10: the replay is logged


async def test_lockout_lasts_the_cooldown_then_lifts(rt, client, user):
    secret = await _enrolled(rt, client, user)
    for _ in range(rt.settings.mfa_max_failures):
        with pytest.raises(InvalidOtp):
            await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), "000000"
                                              if _code(secret, rt.clock.now()) != "000000" else "111111")
    good = _code(secret, rt.clock.now())
    with pytest.raises(TooManyAttempts) as info:
        await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), good)
    assert 0 < info.value.retry_after <= rt.settings.mfa_lockout_seconds
    rt.clock.advance(rt.settings.mfa_lockout_seconds - 1)
    with pytest.raises(TooManyAttempts):
        await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), _code(secret, rt.clock.now()))
    rt.clock.advance(2)
    body = await mfa_login.complete_with_otp(rt, client, await _mfa_token(rt, client, user), _code(secret, rt.clock.now()))
    assert "access_token" in body


async def test_mfa_token_expires_after_ten_minutes(rt, client, user):
    secret = await _enrolled(rt, client, user)
    mt = await _mfa_token(rt, client, user)
    rt.clock.advance(rt.settings.mfa_token_ttl)
    with pytest.raises(MfaTokenExpired):
        await mfa_login.complete_with_otp(rt, client, mt, _code(secret, rt.clock.now()))


async def test_refresh_family_has_an_absolute_lifetime(rt, client, user):
    mt = await _mfa_token(rt, client, user)
    secret = (await enroll.associate_otp(rt, mt)).secret
    body = await mfa_login.complete_with_otp(rt, client, mt, _code(secret, rt.clock.now()))
    rt.clock.advance(rt.settings.refresh_token_ttl - 60)
    body = await tokens.refresh(rt, client, body["refresh_token"], None)  # rotation works before expiry
    rt.clock.advance(120)
    from twofold.domain.errors import InvalidRefreshToken

    with pytest.raises(InvalidRefreshToken):
        await tokens.refresh(rt, client, body["refresh_token"], None)
