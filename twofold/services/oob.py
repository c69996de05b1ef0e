"""Sending a code by SMS, voice or email: the challenge of the factor types that have a
channel (authenticators.sent_code). Budgets first (R27: one send per number or address per
interval, and per user, destination and country calling code per window; a refused send calls
no provider), then the challenge row holding the code's keyed hash (R24) for the MFA
transaction that asked (R21), then the provider, with no transaction or connection held; a
failed delivery leaves nothing that can be answered and gives the interval back, so the user
can retry at once. The code and the full destination never reach a log line."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from .. import authenticators
from ..authenticators.base import FactorView
from ..authenticators.sent_code import code_hash, new_code
from ..delivery import DeliveryFailed
from ..delivery.messages import compose
from ..domain import contact, ids
from ..domain.errors import ChallengeExpired, CodeNotDelivered, SendLimited, UnknownChallenge
from ..observe.logs import event
from ..observe import metrics
from ..store import oob as store
from ..store import send_budgets
from ..store.rows import is_foreign_key_violation
from . import audit, channel_settings, message_templates, org_authenticators
from .runtime import RequestMeta, Runtime

log = logging.getLogger("twofold")

CODE_KEY_PURPOSE = "sent-code"
MAX_TTL_SECONDS = 600  # R20: a sent code lives at most 10 minutes, whatever a caller asks for


def code_key(rt: Runtime) -> bytes:
    return rt.sealer.derive_key(CODE_KEY_PURPOSE)


def code_keys(rt: Runtime) -> tuple[bytes, ...]:
    """What a code may have been hashed under: the key from each master key held."""
    return tuple(rt.sealer.derived_keys(CODE_KEY_PURPOSE))


@dataclass(frozen=True)
class Sent:
    challenge_id: str
    oob_code: str  # the handle the client answers with (Auth0's and Okta's `oob_code`)
    channel: str
    expires_in: int  # seconds
    masked: str  # where it went, as listings show it


def _budgets(rt: Runtime, view: FactorView, channel: str, to: str) -> dict[str, tuple[str, int, int]]:
    """rule → (key, interval ms, max sends per window) for each budget this send spends."""
    s = rt.settings
    out = {"interval": (f"to:{to.lower()}", s.send_interval_seconds * 1000, s.send_max_per_destination),
           "user": (f"user:{view.user_id}", 0, s.send_max_per_user)}
    if channel in ("sms", "voice"):
        out["country"] = (f"cc:{contact.country_code(to)}", 0, s.send_max_per_country)
    return out


async def send_code(rt: Runtime, view: FactorView, *, txn_id: str | None = None, meta: RequestMeta | None = None,
                    client_id: str | None = None, template: str | None = None, template_id: str | None = None,
                    languages: tuple[str, ...] = (), ttl_seconds: int | None = None) -> Sent:
    """`template`: the message text to use; without it, the authenticator's template that
    `template_id` names, or the best for `languages` (message_templates.pick). The code lives
    as long as the authenticator says, or `ttl_seconds` when the caller names a lifetime
    (Okta's tokenLifetimeSeconds), at most MAX_TTL_SECONDS (R20: ten minutes). A channel
    turned off sends nothing (AuthenticatorNotAllowed).

    A hot path (a sign-in storm sends codes): the authenticator's settings come with the
    cached enrollment rules, and the budgets and the challenge row are one short transaction
    of prepared statements (Database.atomic)."""
    kind = authenticators.get(view.type)
    channel, to = kind.channel, kind.destination(view)
    if channel is None or not to:
        raise UnknownChallenge("This factor sends no code.")
    s = rt.settings
    settings = org_authenticators.sending_settings(await org_authenticators.cached_rules(rt), view.type)
    ttl = channel_settings.code_lifetime(s.oob_code_ttl, settings) if ttl_seconds is None \
        else max(1, min(ttl_seconds, MAX_TTL_SECONDS))
    if template is None:
        template = message_templates.pick(settings, channel, template_id=template_id, languages=languages)
    code, challenge_id, oob_code = new_code(), ids.random_base62(24), ids.opaque_token(32)
    now = rt.now_ms()
    expires_at = now + ttl * 1000
    budgets = _budgets(rt, view, channel, to)
    try:
        async with rt.db.atomic():
            granted = await send_budgets.take_all(rt.db, list(budgets.values()), now,
                                                  window_ms=s.send_window_seconds * 1000)
            refused = next((rule for rule, (key, _, _) in budgets.items() if key not in granted), None)
            if refused is not None:  # raised inside: the budgets granted are given back by the rollback
                raise SendLimited(refused, s.send_interval_seconds if refused == "interval" else s.send_window_seconds)
            await store.insert_challenge(rt.db, id=challenge_id, oob_code_hash=ids.token_hash(oob_code),
                                         factor_id=view.id, user_id=view.user_id, txn_id=txn_id,
                                         code_hash=code_hash(code_key(rt), challenge_id, code), created_at=now,
                                         expires_at=expires_at)
    except SendLimited as refusal:
        metrics.code_sent(channel, "limited")
        async with rt.db.transaction() as conn:
            await audit.record(conn, now, "mfa.challenge", "DENY", meta=meta, user_id=view.user_id,
                               client_id=client_id, factor_id=view.id, reason=f"send_limited:{refusal.rule}",
                               detail={"channel": channel})
        raise
    except Exception as exc:
        if is_foreign_key_violation(exc):  # the factor (or its user) was deleted since the caller read it
            raise UnknownChallenge("This factor sends no code.") from None
        raise
    message = compose(channel, to, code, issuer=s.otp_issuer, minutes=max(1, ttl // 60),
                      expires_at=expires_at, template=template)
    try:
        await rt.provider(channel).send(message)  # no transaction or connection held
    except DeliveryFailed as exc:
        # For the operator: the provider and its status or error type (DeliveryFailed's text), never
        # the code or the destination.
        log.warning("a code could not be sent: %s", str(exc)[:100],
                    extra=event("delivery.failed", channel=channel, factor_id=view.id))
        metrics.code_sent(channel, "failed")
        async with rt.db.transaction() as conn:
            await store.forget(conn, challenge_id)
            await send_budgets.give_back_interval(conn, budgets["interval"][0], now)
            await audit.record(conn, rt.now_ms(), "mfa.challenge", "FAILURE", meta=meta, user_id=view.user_id,
                               client_id=client_id, factor_id=view.id, reason="not_delivered",
                               detail={"channel": channel, "provider": str(exc)[:100]})
        raise CodeNotDelivered("The code could not be sent. Try again.") from None
    metrics.code_sent(channel, "sent")
    # Earlier codes of the factor need no update: Okta's Factors API judges the newest only
    # (store.oob.latest_for_factor), and an Auth0 answer names its challenge.
    await audit.record(rt.db, rt.now_ms(), "mfa.challenge", "SUCCESS", meta=meta, user_id=view.user_id,
                       client_id=client_id, factor_id=view.id, detail={"channel": channel, "delivered": channel})
    return Sent(challenge_id, oob_code, channel, ttl, kind.masked(view) or "")


async def challenge_of(conn, rt: Runtime, *, oob_code: str | None = None, factor_id: str | None = None,
                       txn_id: str | None = None):
    """The challenge an answer is for: the one `oob_code` names (it must have been sent for
    the transaction `txn_id`, R21), or a factor's last one (Okta's Factors API). Unknown:
    UnknownChallenge; expired: ChallengeExpired. A spent one is returned: its right code is a
    replay, judged and counted as such."""
    if oob_code is not None:
        row = await store.by_oob_code(conn, ids.token_hash(oob_code)) if len(oob_code) <= 200 else None
        if row is None or row.txn_id != txn_id:
            raise UnknownChallenge("The oob_code is not valid.")
    else:
        row = await store.latest_for_factor(conn, factor_id)
        if row is None:
            raise UnknownChallenge("No code was sent for this factor.")
    if row.expires_at <= rt.now_ms() and row.used_at is None:
        raise ChallengeExpired("oob_code is expired")
    return row
