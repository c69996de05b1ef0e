"""The org-wide MFA policy (always | if-enrolled | never) and R47: no path to user tokens
skips a required second factor."""
from __future__ import annotations

import pytest

from twofold.domain import otp
from twofold.domain.errors import MfaRequired
from twofold.services import enroll, login, mfa_login

from ..support import PASSWORD


async def _login(rt, client, user):
    return await login.password_login(rt, client, username=user.login, password=PASSWORD, realm=None,
                                      audience=None, scope="openid")


async def _enroll(rt, client, user):
    with pytest.raises(MfaRequired) as info:
        await _login(rt, client, user)
    secret = (await enroll.associate_otp(rt, info.value.mfa_token)).secret
    code = otp.totp(otp.b32decode(secret), rt.clock.now())
    await mfa_login.complete_with_otp(rt, client, info.value.mfa_token, code)


async def test_always_requires_enrollment_at_first_sign_in(rt, client, user):
    with pytest.raises(MfaRequired) as info:
        await _login(rt, client, user)
    step = info.value.step
    # A fresh org allows the authenticator apps, the phone (SMS, voice) and email (migration 0014).
    assert (step.kind, step.options) == ("enroll", (("totp", "GOOGLE"), ("totp", "OKTA"), ("sms", "OKTA"),
                                                    ("call", "OKTA"), ("email", "OKTA")))


async def test_if_enrolled_lets_unenrolled_users_in_and_challenges_enrolled_ones(rt, client, user):
    await _enroll(rt, client, user)
    rt.settings.mfa_policy = "if-enrolled"
    with pytest.raises(MfaRequired) as info:
        await _login(rt, client, user)
    step = info.value.step
    assert (step.kind, [f.type for f in step.factors]) == ("challenge", ["totp", "recovery_code"])
    from twofold.services import users

    other = await users.create(rt, users.NewUser(
        profile={"login": "plain@example.com", "email": "plain@example.com", "firstName": "P", "lastName": "L"},
        password=PASSWORD, activate=True))
    body = await _login(rt, client, other)
    assert "access_token" in body and "id_token" in body


async def test_never_skips_mfa(rt, client, user):
    await _enroll(rt, client, user)
    rt.settings.mfa_policy = "never"
    body = await _login(rt, client, user)
    assert "access_token" in body
