"""Finishing an MFA transaction: the `mfa-otp` and `mfa-recovery-code` grants, and the
`/mfa/challenge` step before them."""
from __future__ import annotations

from dataclasses import dataclass

from .. import authenticators
from ..authenticators.base import ACTIVE, PENDING, Answer, FactorView
from ..domain import grants, policy
from ..domain.errors import (
    DomainError, InvalidAuthenticator, InvalidCredentials, MfaRequired, MfaTokenExpired, NotEnrolled,
    UnsupportedChallengeType,
)
from ..store import tokens as token_store
from ..store import users as user_store
from . import audit, enroll_confirm, next_step, oob, org_authenticators, server_policies, servers
from .clients import Client
from .mfa import factor_views, live_transaction_context, open_transaction, start_transaction
from .runtime import RequestMeta, Runtime
from .tokens import Authentication, issue, mint_planned, plan_issue
from .verify import HOT_AMR, Check, check, settle_totp


def _amr(txn, added: tuple[str, ...]) -> list[str]:
    """The transaction's `amr` and what the factor that took the answer adds (RFC 8176)."""
    return list(dict.fromkeys([a for a in txn.amr.split(",") if a] + list(added) + ["mfa"]))


async def _finish(rt: Runtime, client: Client, mfa_token: str | None, answer: Answer, value: str | None,
                  meta: RequestMeta | None, server_id: str | None, grant_type: str,
                  oob_code: str | None = None) -> tuple[dict, Check]:
    failure: DomainError | None = None
    # Read before the transaction (on SQLite a second one would wait for this one's lock).
    rules = await org_authenticators.cached_rules(rt) if grant_type != grants.MFA_RECOVERY_CODE else {}
    async with rt.db.transaction() as conn:
        txn = await open_transaction(conn, rt, mfa_token, client_id=client.client_id, server_id=server_id)
        # A sent code answers the challenge its oob_code names, sent for this transaction (R21).
        challenge = await oob.challenge_of(conn, rt, oob_code=oob_code, txn_id=txn.id) \
            if answer is Answer.SENT_CODE else None
        user = await user_store.by_id(conn, txn.user_id)
        if user is None or user.status != "ACTIVE":
            raise InvalidCredentials()  # deactivated since the password step
        # An enrolled user's password step confirms no pending factor: one left unconfirmed (by
        # whoever had the password before the user enrolled) is not a second factor (R35).
        statuses = (ACTIVE, PENDING) if policy.may_bind(await factor_views(conn, txn.user_id),
                                                         policy.proven(txn.amr or "")) else (ACTIVE,)
        # Rules only for codes: a recovery code is the way back in whatever the policy says.
        result = await check(rt, txn.user_id, value, answer=answer, conn=conn, rules=rules or None,
                             statuses=statuses, meta=meta, client_id=client.client_id, challenge=challenge)
        if result.ok:
            # Consumed only on success (R46); losing this race rolls the whole attempt back.
            if not await token_store.consume_mfa_transaction(conn, txn.id, rt.now_ms()):
                raise MfaTokenExpired()
            amr = _amr(txn, result.amr)
            # A recovery code is the way back in without a device: it is not held to REQUIRED.
            after = await next_step.after_second_factor(conn, rules, txn.user_id, surface=policy.TOKEN_ENDPOINT,
                                                        answer=answer) if rules else policy.NextStep("done")
            if after.kind == "done":
                auth = Authentication(user_id=txn.user_id, audience=txn.audience, scope=txn.scope,
                                      amr=amr, auth_time=rt.now_ms(), server_id=txn.server_id, grant_type=grant_type)
                return await issue(conn, rt, client, auth, meta, user=user), result
            # Proven, but the enrollment policy requires another authenticator first: no tokens
            # yet; a new transaction (which records the second factor) lets the user enrol it.
            token = await start_transaction(rt, client_id=client.client_id, user_id=txn.user_id, audience=txn.audience,
                                            scope=txn.scope, amr=list(dict.fromkeys(amr)), auth_time=txn.auth_time,
                                            server_id=txn.server_id, conn=conn)
            failure = MfaRequired(token, after)
        else:
            failure = result.error
    raise failure


async def complete_with_otp(rt: Runtime, client: Client, mfa_token: str | None, otp: str | None,
                            meta: RequestMeta | None = None, server_id: str | None = None) -> dict:
    """The hot path of a login storm: one read and one atomic settle (count the attempt,
    claim the step, spend the transaction, audit the verification and the issue), then the
    signed tokens. A user whose TOTP enrollment is still pending, or who lacks an authenticator
    the enrollment policy requires, takes the transactional path (the first code also activates
    a pending factor; a missing required one is asked for before any token)."""
    if server_id is None and enroll_confirm.is_access_token(mfa_token):  # seed 004 step 3 (Auth0)
        return await enroll_confirm.confirm(rt, client, mfa_token, Answer.PASSCODE, otp, meta,
                                            grant_type=grants.MFA_OTP)
    async with rt.db.held():
        txn, user, rows = await live_transaction_context(rt, mfa_token, client_id=client.client_id,
                                                         server_id=server_id)
        # A first code activates a pending enrollment: the transactional path does that.
        pending = any(r.status == PENDING and authenticators.get(r.type).confirmed_by_first_answer for r in rows)
        if not pending and not org_authenticators.missing_required(await org_authenticators.cached_rules(rt), rows):
            if user.status != "ACTIVE":
                raise InvalidCredentials()  # deactivated since the password step
            auth = Authentication(user_id=txn.user_id, audience=txn.audience, scope=txn.scope,
                                  amr=_amr(txn, HOT_AMR),
                                  auth_time=rt.now_ms(), server_id=txn.server_id, grant_type=grants.MFA_OTP)
            plan = plan_issue(rt, client, auth)
            if plan is None and txn.server_id not in (None, servers.ORG):
                # A custom server's rule must cover the transaction's scopes before the code is spent.
                await server_policies.check(rt, txn.server_id, client.client_id, grants.MFA_OTP,
                                            grants.split_scope(txn.scope), meta)
            result = await settle_totp(
                rt, txn.user_id, rows, otp, meta=meta, client_id=client.client_id, txn_id=txn.id,
                success_event="token.issue" if plan else None, success_detail=plan.audit_detail if plan else None)
            if not result.ok:
                raise result.error
            if plan is not None:
                return mint_planned(rt, client, auth, user, plan)
            return await _issue(rt, client, auth, user, meta)
    body, _ = await _finish(rt, client, mfa_token, Answer.PASSCODE, otp, meta, server_id, grants.MFA_OTP)
    return body


async def _issue(rt: Runtime, client: Client, auth: Authentication, user, meta: RequestMeta | None) -> dict:
    async with rt.db.transaction() as conn:
        return await issue(conn, rt, client, auth, meta, user=user)


async def complete_with_oob(rt: Runtime, client: Client, mfa_token: str | None, oob_code: str | None,
                            binding_code: str | None, meta: RequestMeta | None = None,
                            server_id: str | None = None) -> dict:
    """Auth0's (and Okta's) mfa-oob grant for a sent code: `oob_code` names the challenge,
    `binding_code` is the code the user read; it also confirms a pending enrollment."""
    if server_id is None and enroll_confirm.is_access_token(mfa_token):  # seed 004 step 3 (Auth0)
        return await enroll_confirm.confirm(rt, client, mfa_token, Answer.SENT_CODE, binding_code, meta,
                                            grant_type=grants.MFA_OOB, oob_code=oob_code)
    body, _ = await _finish(rt, client, mfa_token, Answer.SENT_CODE, binding_code, meta, server_id, grants.MFA_OOB,
                            oob_code=oob_code or "")
    return body


async def complete_with_recovery_code(rt: Runtime, client: Client, mfa_token: str | None, code: str | None,
                                      meta: RequestMeta | None = None,
                                      server_id: str | None = None) -> tuple[dict, str | None]:
    """The tokens, and the recovery code that replaces the one spent (shown once)."""
    body, result = await _finish(rt, client, mfa_token, Answer.RECOVERY_CODE, code, meta, server_id,
                                 grants.MFA_RECOVERY_CODE)
    return body, result.new_recovery_code


@dataclass(frozen=True)
class Challenged:
    """The factor a challenge chose, and for a type that sends a code, what was sent."""

    view: FactorView
    sent: oob.Sent | None = None


async def challenge(rt: Runtime, client: Client, mfa_token: str | None, challenge_type: str | None,
                    authenticator_id: str | None, meta: RequestMeta | None = None,
                    server_id: str | None = None, channel: str | None = None, template_id: str | None = None,
                    languages: tuple[str, ...] = ()) -> Challenged:
    """Auth0 /mfa/challenge (and Okta's /challenge): the first active, usable primary factor of
    the wanted challenge types (any without; with `channel`, one that sends there) is
    challenged: a type with a channel sends a code for this transaction (R21); an
    authenticator app sends nothing (the answer says which code to ask for). `template_id`,
    `languages`: which message (oob.send_code)."""
    rules = await org_authenticators.cached_rules(rt)  # read before the transaction (SQLite: one writer)
    async with rt.db.transaction() as conn:
        txn = await open_transaction(conn, rt, mfa_token, client_id=client.client_id, server_id=server_id)
        views = [v for v in await factor_views(conn, txn.user_id, statuses=("ACTIVE",))
                 if v.primary and org_authenticators.usable(rules, v)]
        if not views:
            raise NotEnrolled()
        if authenticator_id is not None:
            views = [v for v in views if v.auth0_id == authenticator_id]
            if not views:
                raise InvalidAuthenticator("authenticator_id does not match an active authenticator")
        offered = views if not challenge_type else [
            v for v in views if v.auth0_authenticator_type in challenge_type.split()]
        if channel is not None:
            offered = [v for v in offered if authenticators.get(v.type).channel == channel]
        if not offered:
            raise UnsupportedChallengeType(", ".join(sorted({v.auth0_authenticator_type for v in views})))
        chosen = offered[0]
        if authenticators.get(chosen.type).channel is None:
            await audit.record(conn, rt.now_ms(), "mfa.challenge", "SUCCESS", meta=meta, user_id=txn.user_id,
                               client_id=client.client_id, factor_id=chosen.id,
                               detail={"challenge_type": chosen.auth0_authenticator_type})
            return Challenged(chosen)
    # Sent with no transaction held (services.oob audits it).
    return Challenged(chosen, await oob.send_code(rt, chosen, txn_id=txn.id, meta=meta, client_id=client.client_id,
                                                  template_id=template_id, languages=languages))
