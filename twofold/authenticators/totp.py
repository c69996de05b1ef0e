"""TOTP (RFC 6238): 160-bit seeds sealed at rest, ±window steps, each step accepted once."""
from __future__ import annotations

import secrets
from typing import Any

from ..crypto.sealing import Sealer
from ..domain import ids, otp
from .base import Enrollment, FactorView, VerifyOutcome, view

SEED_BYTES = 20  # RFC 4226 R6 recommends 160 bits


def seal_context(factor_id: str) -> str:
    return f"factor:{factor_id}"


class Totp:
    type = "totp"
    auth0_kind = "totp"
    auth0_authenticator_type = "otp"
    auth0_type = "otp"
    primary = True
    okta_factor_type = "token:software:totp"
    auth0_visible = True

    def describe(self, row: Any) -> FactorView:
        return view(self, row)

    def enroll(self, sealer: Sealer, *, user_id: str, provider: str, now: int, expires_at: int,
               algorithm: str = "SHA1", digits: int = 6, period: int = 30) -> Enrollment:
        seed = secrets.token_bytes(SEED_BYTES)
        factor_id = ids.okta_id("ostf")
        values = dict(
            id=factor_id, device_id=ids.device_id(), user_id=user_id, type=self.type, provider=provider,
            status="PENDING_ACTIVATION", secret_sealed=sealer.seal(seed, seal_context(factor_id)),
            algorithm=algorithm, digits=digits, period=period, last_used_step=None,
            created_at=now, last_updated_at=now, activation_expires_at=expires_at,
        )
        return Enrollment(values=values, shown_secret=otp.b32encode(seed))

    def shared_secret(self, sealer: Sealer, row: Any) -> str:
        """Only while the factor is pending: Okta shows the activation again in its reads."""
        return otp.b32encode(sealer.open(row.secret_sealed, seal_context(row.id)))

    def verify(self, sealer: Sealer, row: Any, raw_code: str | None, now_s: float, window: int) -> VerifyOutcome:
        """Pure check of one code; the caller claims the step atomically (store.factors.claim_active_step)."""
        code = otp.normalize_code(raw_code, row.digits)
        if code is None:
            return VerifyOutcome(ok=False)
        key = sealer.open(row.secret_sealed, seal_context(row.id))
        match = otp.match_totp(key, code, now_s, digits=row.digits, period=row.period,
                               algorithm=row.algorithm, window=window)
        if match is None:
            return VerifyOutcome(ok=False)
        if row.last_used_step is not None and match.step <= row.last_used_step:
            return VerifyOutcome(ok=False, replayed=True, step=match.step)
        return VerifyOutcome(ok=True, step=match.step)
