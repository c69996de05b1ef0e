"""Confirming an enrollment made with an MFA-API access token (seed 004 step 3, reference
A.3): a user who already has a factor gets an access token for `<issuer>mfa/` with scope
`enroll` through a second factor, associates a new authenticator with it, and confirms that
one on /oauth/token with the mfa-otp or mfa-oob grant, giving the access token where a sign-in
gives its `mfa_token` (Auth0 documents the association, not the confirmation's token: the
access token is the one credential the flow has).

What that token can do there is narrow: confirm one of its user's pending factors, never
answer for an active one (a sign-in needs an mfa_token); it must be this client's, carry
`enroll`, and, for a user with an active factor, record a second factor (R35). A code sent for
its association is bound to it (its `jti`), as a sign-in's code is to its transaction (R21).
The answer is a token response for the same audience and scopes, its `amr` adding the new
factor's; no refresh token comes from an access token."""
from __future__ import annotations

from ..authenticators.base import PENDING, Answer
from ..domain import grants, policy
from ..domain.errors import (
    DomainError, FactorState, InvalidCredentials, InvalidToken, MalformedMfaToken, NotEnrolled, SecondFactorRequired,
)
from ..store import users as user_store
from . import oob
from .clients import Client
from .mfa import factor_views
from .runtime import RequestMeta, Runtime
from .tokens import AccessClaims, Authentication, issue, read_access_token, require_scope
from .verify import check

_ACCESS_PREFIX = "at:"  # an MFA transaction id never has a colon (ids.opaque_token is URL-safe Base64)


def binding(transaction, access: AccessClaims | None) -> str:
    """What a code sent for an association answers to: the mfa_token's transaction, or the
    access token itself."""
    if transaction is not None:
        return transaction.id
    jti = access.claims.get("jti") if access is not None else None
    if not isinstance(jti, str) or not jti:
        raise InvalidToken("the access token has no jti")
    return _ACCESS_PREFIX + jti[:29]


def is_access_token(token: str | None) -> bool:
    """A JWT where an mfa_token is expected (an mfa_token is opaque: it has no dots)."""
    return isinstance(token, str) and token.count(".") == 2 and len(token) <= 8192


def _claims(rt: Runtime, client: Client, token: str) -> AccessClaims:
    try:
        claims = read_access_token(rt, token, audience=rt.settings.mfa_audience)
    except InvalidToken as exc:
        raise MalformedMfaToken() from exc
    # Another client's token, or one with no user behind it (R45, R57), is no mfa_token here.
    if claims.client_id != client.client_id or claims.claims.get("gty") == "client-credentials":
        raise MalformedMfaToken()
    require_scope(claims, "enroll")
    return claims


async def confirm(rt: Runtime, client: Client, token: str, answer: Answer, value: str | None,
                  meta: RequestMeta | None, *, grant_type: str, oob_code: str | None = None) -> dict:
    """The first answer of a factor associated with this access token activates it (R37)."""
    claims = _claims(rt, client, token)
    amr = claims.claims.get("amr") or []
    failure: DomainError | None = None
    async with rt.db.transaction() as conn:
        user = await user_store.by_id(conn, claims.sub)
        if user is None or user.status != "ACTIVE":
            raise InvalidCredentials()
        if not policy.may_bind(await factor_views(conn, user.id), policy.proven(amr)):
            raise SecondFactorRequired()
        challenge = await oob.challenge_of(conn, rt, oob_code=oob_code or "", txn_id=binding(None, claims)) \
            if answer is Answer.SENT_CODE else None
        result = await check(rt, user.id, value, answer=answer, conn=conn, statuses=(PENDING,), meta=meta,
                             client_id=client.client_id, challenge=challenge)
        if result.ok:
            scope = " ".join(s for s in grants.split_scope(claims.claims.get("scope")) if s != "offline_access")
            auth = Authentication(user_id=user.id, audience=rt.settings.mfa_audience, scope=scope,
                                  amr=list(dict.fromkeys([*amr, *result.amr, "mfa"])),
                                  auth_time=int(claims.claims.get("auth_time") or 0) * 1000, grant_type=grant_type)
            return await issue(conn, rt, client, auth, meta, user=user)
        failure = result.error
    if isinstance(failure, NotEnrolled):  # nothing pending: the token confirms, it does not sign in
        raise FactorState("No authenticator awaits confirmation: associate one with this token first.")
    raise failure
