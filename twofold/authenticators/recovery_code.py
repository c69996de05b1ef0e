"""Recovery codes (Auth0): one active code per user, hashed at rest, replaced on every use. A
companion of the first authenticator app: issued with it, activated by its first code, removed
with the last primary factor."""
from __future__ import annotations

import hmac
from typing import Any

from ..crypto.sealing import Sealer
from ..domain import ids, recovery
from ..domain.errors import DomainError, InvalidRecoveryCode
from .base import PENDING, Answer, Describes, Effect, Enrollment, EnrollRequest, JudgeContext, Reject, SwapHash


class RecoveryCode(Describes):
    type = "recovery_code"
    answer = Answer.RECOVERY_CODE
    attempt_kind = "recovery-code"
    primary = False
    companion = True
    okta_factor_type = None  # Okta's Factors API has no recovery codes
    auth0_kind = "recovery-code"
    auth0_authenticator_type = "recovery-code"
    auth0_type = "recovery-code"
    auth0_visible = True
    auth0_shown_as = "recovery_codes"

    def authenticator_key(self, provider: str | None) -> str | None:
        return None  # part of the factor it came with

    def display_name(self, provider: str | None) -> str:
        return "Recovery code"

    def enroll(self, sealer: Sealer, request: EnrollRequest) -> Enrollment:
        code = recovery.generate()
        values = dict(
            id=ids.okta_id("rcv"), device_id=ids.device_id(), user_id=request.user_id, type=self.type,
            provider="OKTA", status=PENDING, secret_hash=recovery.code_hash(request.user_id, code),
            created_at=request.now, last_updated_at=request.now,
        )
        return Enrollment(values=values, shown_secret=code)

    def judge(self, ctx: JudgeContext, row: Any, answer: str | None) -> Effect:
        code = recovery.normalize(answer)
        if code is None or row.secret_hash is None:
            return Reject()
        # R12: compare in constant time; the settle swaps the hash with a compare-and-set.
        if not hmac.compare_digest(recovery.code_hash(row.user_id, code), row.secret_hash):
            return Reject()
        new_code = recovery.generate()
        return SwapHash(old=row.secret_hash, new=recovery.code_hash(row.user_id, new_code), new_secret=new_code)

    def wrong(self, replayed: bool) -> DomainError:
        return InvalidRecoveryCode()
