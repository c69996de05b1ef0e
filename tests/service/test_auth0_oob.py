"""Auth0's paths for codes sent by SMS, voice and email, in process with the injected clock on
both backends: what needs time to pass (R20: a code lives TWOFOLD_OOB_CODE_TTL). The HTTP
shapes are in tests/api/test_mfa_oob.py. (An access token's path is tested over HTTP only:
access tokens are checked against the wall clock, not the injected one.)"""
from __future__ import annotations

import re

import jwt
import pytest

from twofold.delivery.outbox import messages
from twofold.domain.errors import ChallengeExpired, MfaRequired
from twofold.services import enroll, login, mfa_login

from ..support import PASSWORD

NUMBER = "+14155552671"


async def _code(rt, to: str) -> str:
    found = await messages(rt.db, rt.now_ms(), recipient=to, limit=1)
    return re.search(r"code is (\d{6})", found[0].body).group(1)


async def _mfa_token(rt, client, user, **extra) -> str:
    with pytest.raises(MfaRequired) as info:
        await login.password_login(rt, client, username=user.login, password=PASSWORD, realm=None,
                                   audience=extra.get("audience"), scope=extra.get("scope"))
    return info.value.mfa_token


async def _sms_user(rt, client, user) -> None:
    mfa_token = await _mfa_token(rt, client, user)
    made = await enroll.associate(rt, mfa_token, enroll.authenticators.get("sms"), profile={"phoneNumber": NUMBER})
    await mfa_login.complete_with_oob(rt, client, mfa_token, made.sent.oob_code, await _code(rt, NUMBER))
    rt.clock.advance(rt.settings.send_interval_seconds)


async def test_a_sign_in_code_expires_and_a_new_challenge_finishes_the_same_transaction(rt, client, user):
    await _sms_user(rt, client, user)
    mfa_token = await _mfa_token(rt, client, user)
    sent = (await mfa_login.challenge(rt, client, mfa_token, "oob", None)).sent
    code = await _code(rt, NUMBER)
    rt.clock.advance(rt.settings.oob_code_ttl)
    with pytest.raises(ChallengeExpired):
        await mfa_login.complete_with_oob(rt, client, mfa_token, sent.oob_code, code)
    sent = (await mfa_login.challenge(rt, client, mfa_token, "oob", None)).sent
    body = await mfa_login.complete_with_oob(rt, client, mfa_token, sent.oob_code, await _code(rt, NUMBER))
    assert "sms" in jwt.decode(body["access_token"], options={"verify_signature": False})["amr"]

