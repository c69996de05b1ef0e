"""What the factor types that send a code share (sms, call, email): a destination checked at
enrollment and kept in the profile, six random digits per challenge hashed under a server key
(R22, R24), and a pure judgement of an answer against the challenge it was sent for (R21).
Enrolled pending; the first right code activates the factor (R37)."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from ..crypto.sealing import Sealer
from ..domain import contact, ids, otp
from ..domain.errors import DomainError, InvalidSentCode, ValidationFailed
from .base import PENDING, Answer, Describes, Effect, Enrollment, EnrollRequest, FactorView, JudgeContext, Reject
from .base import SpendChallenge

CODE_DIGITS = 6


def new_code() -> str:
    """Six digits from the system's CSPRNG (R22: at least 20 bits, an approved RBG)."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(key: bytes, challenge_id: str, code: str) -> bytes:
    """The stored form of a code (R24): keyed, so a copy of the database alone does not give
    20-bit codes away, and bound to its challenge (R21)."""
    return hmac.new(key, f"{challenge_id}:{code}".encode(), hashlib.sha256).digest()


class SentCode(Describes):
    """The shared behaviour; each type names its channel, wire names and destination field."""

    answer = Answer.SENT_CODE
    primary = True
    confirmed_by_first_answer = True
    okta_providers = ("OKTA",)
    auth0_authenticator_type = "oob"
    auth0_visible = True
    id_prefix: str
    field: str  # the profile member holding the destination (Okta's name)

    def parse(self, value: Any) -> str:
        raise NotImplementedError

    def validate(self, profile: dict) -> dict:
        try:
            return {self.field: self.parse(profile.get(self.field))}
        except contact.BadContact as exc:
            raise ValidationFailed("factorEnrollRequest", [(self.field, f"{self.field}: {exc}")]) from exc

    def enroll(self, sealer: Sealer, request: EnrollRequest) -> Enrollment:
        values = dict(
            id=ids.okta_id(self.id_prefix), device_id=ids.device_id(), user_id=request.user_id, type=self.type,
            provider=request.provider, status=PENDING, profile=json.dumps(request.profile),
            created_at=request.now, last_updated_at=request.now, activation_expires_at=request.activation_expires_at,
        )
        return Enrollment(values=values, shown_secret="")

    def destination(self, view: FactorView) -> str | None:
        return (view.profile or {}).get(self.field)

    def judge(self, ctx: JudgeContext, row: Any, answer: str | None) -> Effect:
        """The code against the challenge it answers, in constant time; a spent challenge's
        right code is a replay (R10), an expired one's is refused."""
        challenge, code = ctx.challenge, otp.normalize_code(answer, CODE_DIGITS)
        if code is None or challenge is None or challenge.factor_id != row.id:
            return Reject()
        # Every key a code may be hashed under (a master key rotation leaves two for a while).
        matches = any([hmac.compare_digest(code_hash(key, challenge.id, code), challenge.code_hash)
                       for key in ctx.code_keys])
        if not matches or challenge.expires_at <= ctx.now_s * 1000:
            return Reject()
        if challenge.used_at is not None:
            return Reject(replayed=True)
        return SpendChallenge(challenge.id)

    def wrong(self, replayed: bool) -> DomainError:
        return InvalidSentCode(replayed=replayed)
