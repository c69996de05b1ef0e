"""Recovery codes: one active code per user, hashed at rest, replaced on every use (Auth0)."""
from __future__ import annotations

import hmac
from typing import Any

from ..domain import ids, recovery
from .base import Enrollment, FactorView, VerifyOutcome, view


class RecoveryCode:
    type = "recovery_code"
    auth0_kind = "recovery-code"
    auth0_authenticator_type = "recovery-code"
    auth0_type = "recovery-code"
    primary = False
    okta_factor_type = None  # Okta's Factors API has no recovery codes
    auth0_visible = True

    def describe(self, row: Any) -> FactorView:
        return view(self, row)

    def enroll(self, *, user_id: str, now: int) -> Enrollment:
        code = recovery.generate()
        values = dict(
            id=ids.okta_id("rcv"), device_id=ids.device_id(), user_id=user_id, type=self.type,
            provider="OKTA", status="PENDING_ACTIVATION", secret_hash=recovery.code_hash(user_id, code),
            created_at=now, last_updated_at=now,
        )
        return Enrollment(values=values, shown_secret=code)

    def new_code(self, user_id: str) -> tuple[str, bytes]:
        code = recovery.generate()
        return code, recovery.code_hash(user_id, code)

    def verify(self, row: Any, raw_code: str | None) -> VerifyOutcome:
        code = recovery.normalize(raw_code)
        if code is None or row.secret_hash is None:
            return VerifyOutcome(ok=False)
        # R12: compare in constant time; the caller then swaps the hash with a CAS update.
        ok = hmac.compare_digest(recovery.code_hash(row.user_id, code), row.secret_hash)
        return VerifyOutcome(ok=ok)
