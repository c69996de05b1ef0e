"""TOTP (RFC 6238): 160-bit seeds sealed at rest, ±window steps, each step accepted once.
Enrolled pending; its first code activates it. Nothing is sent: the user reads the code off
an authenticator app."""
from __future__ import annotations

import secrets
from typing import Any

from ..crypto.sealing import Sealer
from ..domain import ids, otp
from ..domain.errors import DomainError, InvalidOtp
from .base import (
    PENDING, Answer, ClaimStep, Describes, Effect, Enrollment, EnrollRequest, JudgeContext, PendingSecret, Reject,
)

SEED_BYTES = 20  # RFC 4226 R6 recommends 160 bits
PARAMETERS = ("algorithm", "digits", "period")  # what an enrollment takes from its authenticator


def seal_context(factor_id: str) -> str:
    return f"factor:{factor_id}"


def parameters(settings: dict) -> dict:
    """The TOTP parameters a new enrollment takes from its authenticator's settings."""
    return {k: settings[k] for k in PARAMETERS if k in settings}


class Totp(Describes):
    type = "totp"
    answer = Answer.PASSCODE
    attempt_kind = "otp"
    amr = ("otp",)
    primary = True
    confirmed_by_first_answer = True
    hot = True
    console_step = "verify"
    okta_factor_type = "token:software:totp"
    okta_providers = ("GOOGLE", "OKTA")  # the console tries them in this order
    auth0_kind = "totp"
    auth0_authenticator_type = "otp"
    auth0_type = "otp"
    auth0_visible = True
    auth0_provider = "GOOGLE"  # a generic authenticator app, as Okta names it

    def authenticator_key(self, provider: str | None) -> str | None:
        return "okta_verify" if (provider or "").upper() == "OKTA" else "google_otp"

    def display_name(self, provider: str | None) -> str:
        names = {"GOOGLE": "Google Authenticator", "OKTA": "Okta Verify (TOTP)"}
        return names.get(provider or "", "TOTP authenticator")

    def enroll(self, sealer: Sealer, request: EnrollRequest) -> Enrollment:
        seed = secrets.token_bytes(SEED_BYTES)
        factor_id = ids.okta_id("ostf")
        params = {"algorithm": "SHA1", "digits": 6, "period": 30, **parameters(request.settings)}
        values = dict(
            id=factor_id, device_id=ids.device_id(), user_id=request.user_id, type=self.type,
            provider=request.provider, status=PENDING,
            secret_sealed=sealer.seal(seed, seal_context(factor_id)), last_used_step=None,
            created_at=request.now, last_updated_at=request.now, activation_expires_at=request.activation_expires_at,
            **params,
        )
        secret = otp.b32encode(seed)
        return Enrollment(values=values, shown_secret=secret,
                          key_uri=otp.key_uri(secret, request.login, request.issuer, **parameters(request.settings)))

    def pending_secret(self, sealer: Sealer, row: Any, login: str, issuer: str) -> PendingSecret | None:
        """Only while the factor is pending: Okta shows the activation again in its reads."""
        secret = otp.b32encode(sealer.open(row.secret_sealed, seal_context(row.id)))
        return PendingSecret(secret, otp.key_uri(secret, login, issuer, digits=row.digits, period=row.period,
                                                 algorithm=row.algorithm), row.period or 30)

    def judge(self, ctx: JudgeContext, row: Any, answer: str | None) -> Effect:
        """All window steps compared in constant time; the step is claimed by the settle."""
        code = otp.normalize_code(answer, row.digits)
        if code is None:
            return Reject()
        key = ctx.sealer.open(row.secret_sealed, seal_context(row.id))
        match = otp.match_totp(key, code, ctx.now_s, digits=row.digits, period=row.period,
                               algorithm=row.algorithm, window=ctx.totp_window)
        if match is None:
            return Reject()
        if row.last_used_step is not None and match.step <= row.last_used_step:
            return Reject(replayed=True)
        return ClaimStep(match.step)

    def wrong(self, replayed: bool) -> DomainError:
        return InvalidOtp(replayed=replayed)
