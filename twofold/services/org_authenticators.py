"""The org's authenticators (Okta's Authenticators API) and what they allow: a factor can be
enrolled, in either dialect, only while its authenticator is ACTIVE and the enrollment policy
in force has it OPTIONAL or REQUIRED. The authenticators that send codes (Phone, Email) also
say which channels are on, what they may be used for (`allowedFor`: a sign-in needs any or
sso, R26), how long a code lives and the message templates."""
from __future__ import annotations

import functools
import json

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .. import authenticators
from ..domain import ids
from ..domain.errors import AuthenticatorInUse, AuthenticatorNotAllowed, NotFound, ValidationFailed
from ..store import admin_plane as store
from ..store.rows import is_unique_violation
from . import audit, fields, invalidation, message_templates
from .channel_settings import channel_types, enabled_channels, enrollment_refusal, off_types
from .cache import TtlCache
from .runtime import RequestMeta, Runtime

# The keys an administrator can add: (Okta type, display name, default settings).
CATALOG: dict[str, tuple[str, str, dict | None]] = {
    "okta_password": ("password", "Password", None),
    "google_otp": ("app", "Google Authenticator", {"algorithm": "SHA1", "digits": 6, "period": 30}),
    "okta_verify": ("app", "Okta Verify", None),
    "security_question": ("security_question", "Security Question", {"allowedFor": "any"}),
    "okta_email": ("email", "Email", {"allowedFor": "any", "tokenLifetimeInMinutes": 5}),
    "phone_number": ("phone", "Phone", {"allowedFor": "any"}),
}
ALLOWED_FOR = ("recovery", "sso", "any", "none")
TOTP_ALGORITHMS = ("SHA1", "SHA256", "SHA512")
ENROLL_SELF = ("NOT_ALLOWED", "OPTIONAL", "REQUIRED")


def key_of(factor_type: str, provider: str | None) -> str | None:
    """The authenticator governing a factor, as its type says; None for one that belongs to no
    authenticator (a recovery code is part of the factor it came with)."""
    kind = authenticators.REGISTRY.get(factor_type)
    return kind.authenticator_key(provider) if kind is not None else None


def settings_of(row) -> dict:
    return json.loads(row.settings) if row.settings else {}


# --- enforcement ---------------------------------------------------------------------------

async def effective_policy(conn: AsyncConnection):
    """The MFA_ENROLL policy in force: the first ACTIVE one by priority, the Default Policy
    (system) last. Group conditions are not evaluated yet: every user gets this one."""
    rows = [p for p in await store.list_policies(conn, "MFA_ENROLL") if p.status == "ACTIVE"]
    rows.sort(key=lambda p: (p.system, p.priority))
    return rows[0] if rows else None


def enroll_self(policy, key: str) -> str:
    if policy is None:
        return "NOT_ALLOWED"
    for entry in json.loads(policy.settings).get("authenticators", []):
        if entry.get("key") == key:
            return entry.get("enroll", {}).get("self", "NOT_ALLOWED")
    return "NOT_ALLOWED"


class Rules(dict):
    """key → NOT_ALLOWED | OPTIONAL | REQUIRED for every authenticator, as enforced now;
    `off`: the factor types their settings keep from sign-in (a channel turned off, or an
    authenticator allowed for recovery only or for nothing); `settings`: key → each
    authenticator's settings (channels, code lifetime, message templates)."""

    def __init__(self, modes: dict[str, str], off: frozenset[str] = frozenset(),
                 settings: dict[str, dict] | None = None) -> None:
        super().__init__(modes)
        self.off = off
        self.settings = settings or {}


async def enrollment_rules(conn: AsyncConnection) -> Rules:
    policy = await effective_policy(conn)
    rows = await store.list_authenticators(conn)
    settings = {row.key: settings_of(row) for row in rows}
    return Rules({row.key: (enroll_self(policy, row.key) if row.status == "ACTIVE" else "NOT_ALLOWED")
                  for row in rows},
                 frozenset(t for row in rows for t in off_types(row.key, settings[row.key])), settings)


# --- the authenticators that send codes -----------------------------------------------------------

def sending_settings(rules: Rules, factor_type: str) -> dict:
    """The settings of the authenticator a code of `factor_type` is sent under (from the rules
    in force, `cached_rules`); refuses a send on a channel that is turned off (no code goes
    out through it)."""
    key = key_of(factor_type, "OKTA")
    settings = rules.settings.get(key, {}) if key else {}
    types = channel_types(key) if key else {}
    channel = next((c for c, t in types.items() if t == factor_type), None)
    if channel is not None and channel not in enabled_channels(key, settings):
        raise AuthenticatorNotAllowed(key, f"The {channel} channel of the {key} authenticator is turned off.")
    return settings


# The enrollment rules are read on every sign-in and every code sent: remembered for a few
# seconds per process and database, and forgotten after a change at once in the process that made
# it and, with Redis, in every other within a second (services.invalidation; without Redis: within
# this time to live). A read that began before a change does not store its result (the stamp).
_rules: TtlCache = TtlCache("enrollment_rules", 5.0)


def changes_rules(service):
    """For the services that change authenticators or enrollment policies (each takes the
    runtime first): once the change has committed, every process forgets the rules."""

    @functools.wraps(service)
    async def changed(rt: Runtime, *args, **kwargs):
        try:
            return await service(rt, *args, **kwargs)
        finally:
            await invalidation.changed(rt, _rules)

    return changed


async def cached_rules(rt: Runtime) -> Rules:
    invalidation.trust(rt)
    rules = _rules.get(rt.db)
    if rules is None:
        stamp = _rules.stamp()
        async with rt.db.transaction() as conn:
            rules = await enrollment_rules(conn)
        _rules.put(rt.db, rules, stamp)
    return rules


def missing_required(rules: dict[str, str], factors) -> list[str]:
    """REQUIRED authenticators (other than the password) the user has no ACTIVE factor of."""
    off = getattr(rules, "off", ())
    have = {key_of(f.type, f.provider) for f in factors if f.status == "ACTIVE" and f.type not in off}
    return sorted(k for k, mode in rules.items() if mode == "REQUIRED" and k != "okta_password" and k not in have)


def usable(rules: dict[str, str], factor) -> bool:
    """Okta: a factor whose authenticator the enrollment policy in force has NOT_ALLOWED stays
    enrolled but cannot be used; so does one whose channel is off or whose authenticator is
    not allowed for sign-in. Recovery codes belong to no authenticator."""
    key = key_of(factor.type, factor.provider)
    return key is None or (rules.get(key) != "NOT_ALLOWED" and factor.type not in getattr(rules, "off", ()))


def options(rules: dict[str, str], *, keys: list[str] | None = None) -> tuple[tuple[str, str], ...]:
    """The factors that may be enrolled, each (factor type, provider), in the registry's and
    each type's providers' order: the primary ones whose authenticator these rules allow, or
    with `keys` the ones that provide those authenticators."""
    found = []
    for kind in authenticators.REGISTRY.values():
        if keys is None and (not kind.primary or kind.companion):
            continue
        providers = kind.okta_providers + ((kind.auth0_provider,) if kind.auth0_provider else ())
        for provider in dict.fromkeys(providers):
            key = kind.authenticator_key(provider)
            wanted = key in keys if keys is not None else (
                rules.get(key, "NOT_ALLOWED") != "NOT_ALLOWED" and kind.type not in getattr(rules, "off", ()))
            if key is not None and wanted:
                found.append((kind.type, provider))
    return tuple(found)


async def require_enrollable(conn: AsyncConnection, key: str, factor_type: str | None = None) -> dict:
    """Refuses the enrollment unless allowed (for `factor_type`, also by the authenticator's
    channels and allowedFor); returns the authenticator's settings."""
    rows = {row.key: row for row in await store.list_authenticators(conn)}
    row = rows.get(key)
    if row is None or row.status != "ACTIVE" or enroll_self(await effective_policy(conn), key) == "NOT_ALLOWED":
        raise AuthenticatorNotAllowed(key)
    settings = settings_of(row)
    refusal = enrollment_refusal(key, settings, factor_type)
    if refusal is not None:
        raise AuthenticatorNotAllowed(key, refusal)
    return settings


# --- the Authenticators API ------------------------------------------------------------------

async def list_all(rt: Runtime) -> list:
    async with rt.db.transaction() as conn:
        return list(await store.list_authenticators(conn))


async def get(rt: Runtime, authenticator_id: str):
    async with rt.db.transaction() as conn:
        return await _row(conn, authenticator_id)


async def _row(conn: AsyncConnection, authenticator_id: str):
    row = await store.authenticator(conn, authenticator_id)
    if row is None:
        raise NotFound(f"{authenticator_id} (Authenticator)")
    return row


@changes_rules
async def create(rt: Runtime, values: dict, *, activate: bool = True, meta: RequestMeta | None = None):
    """`values`: the `key` of a catalogued authenticator, an optional `name`, and `settings` (a
    dict by the stored settings' names) over the key's defaults."""
    key = values.get("key")
    if not isinstance(key, str) or key not in CATALOG:
        raise ValidationFailed("authenticator", [("key", f"key: Unsupported authenticator key {str(key)[:64]!r}.")])
    type_, default_name, default_settings = CATALOG[key]
    name = fields.name(values, "authenticator") if values.get("name") is not None else default_name
    settings = _valid_settings(key, {**(default_settings or {}), **(values.get("settings") or {})})
    async with rt.db.transaction() as conn:
        if any(row.key == key for row in await store.list_authenticators(conn)):
            raise ValidationFailed("authenticator", [("key", f"key: An authenticator with key {key} already exists.")])
        now = rt.now_ms()
        authenticator_id = ids.okta_id("aut")
        try:  # the unique index on `key` settles two concurrent additions
            async with conn.begin_nested():
                await store.insert_authenticator(
                    conn, id=authenticator_id, key=key, type=type_, name=name[:200],
                    status="ACTIVE" if activate else "INACTIVE", settings=json.dumps(settings) if settings else None,
                    created_at=now, last_updated_at=now)
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            raise ValidationFailed("authenticator",
                                   [("key", f"key: An authenticator with key {key} already exists.")]) from exc
        await audit.record(conn, now, "authenticator.create", "SUCCESS", meta=meta, detail={"key": key})
        return await _row(conn, authenticator_id)


@changes_rules  # channels and allowedFor decide which factors are usable
async def replace(rt: Runtime, authenticator_id: str, values: dict, meta: RequestMeta | None = None):
    """PUT: `name` is required; `settings` (a dict) replaces the key's settings it names (TOTP
    parameters for new Google Authenticator enrollments; `allowedFor` …); the others stay."""
    name = fields.name(values, "authenticator")
    settings = values.get("settings") or {}
    async with rt.db.transaction() as conn:
        row = await _row(conn, authenticator_id)
        # A setting sent as null is removed: absent, its default applies (Okta: null is an absent member).
        merged = _valid_settings(row.key, {k: v for k, v in {**settings_of(row), **settings}.items() if v is not None})
        now = rt.now_ms()
        await store.update_authenticator(conn, row.id, name=name,
                                         settings=json.dumps(merged) if merged else None, last_updated_at=now)
        await audit.record(conn, now, "authenticator.update", "SUCCESS", meta=meta, detail={"key": row.key})
        return await _row(conn, authenticator_id)


@changes_rules
async def set_channel(rt: Runtime, authenticator_id: str, channel: str, on: bool, meta: RequestMeta | None = None):
    """Turns one channel (Okta: an authenticator's method) on or off; the last one stays on
    (deactivate the authenticator instead). NotFound for a channel the authenticator lacks."""
    async with rt.db.transaction() as conn:
        row = await _row(conn, authenticator_id)
        if channel not in channel_types(row.key):
            raise NotFound(f"{channel[:32]} (AuthenticatorMethod)")
        settings = settings_of(row)
        now_on = enabled_channels(row.key, settings)
        wanted = [c for c in channel_types(row.key) if (c == channel and on) or (c != channel and c in now_on)]
        if list(now_on) != wanted:
            merged = _valid_settings(row.key, {**settings, "channels": wanted})
            now = rt.now_ms()
            await store.update_authenticator(conn, row.id, settings=json.dumps(merged), last_updated_at=now)
            event = "authenticator.method.activate" if on else "authenticator.method.deactivate"
            await audit.record(conn, now, event, "SUCCESS", meta=meta, detail={"key": row.key, "channel": channel})
        return await _row(conn, authenticator_id)


@changes_rules
async def set_status(rt: Runtime, authenticator_id: str, status: str, meta: RequestMeta | None = None):
    async with rt.db.transaction() as conn:
        row = await _row(conn, authenticator_id)
        if status == "INACTIVE":
            if row.key == "okta_password":
                raise ValidationFailed("authenticator",
                                       [("status", "The password authenticator cannot be deactivated.")])
            in_use = [p.name for p in await store.list_policies(conn, "MFA_ENROLL")
                      if p.status == "ACTIVE" and enroll_self(p, row.key) != "NOT_ALLOWED"]
            if in_use:
                raise AuthenticatorInUse(in_use)
        if row.status != status:
            now = rt.now_ms()
            await store.update_authenticator(conn, row.id, status=status, last_updated_at=now)
            event = "authenticator.lifecycle.activate" if status == "ACTIVE" else "authenticator.lifecycle.deactivate"
            await audit.record(conn, now, event, "SUCCESS", meta=meta, detail={"key": row.key})
        return await _row(conn, authenticator_id)  # unchanged when it already had that status


def _valid_settings(key: str, settings: dict) -> dict:
    """The settings kept for `key`, or every cause, each named by the setting's stored name."""
    causes = []
    if "allowedFor" in settings and settings["allowedFor"] not in ALLOWED_FOR:
        causes.append(("allowedFor", f"allowedFor: Must be one of {', '.join(ALLOWED_FOR)}."))
    if key == "google_otp":
        if settings.get("algorithm") not in TOTP_ALGORITHMS:
            causes.append(("algorithm", f"algorithm: Must be one of {', '.join(TOTP_ALGORITHMS)}."))
        if type(settings.get("digits")) is not int or settings.get("digits") not in (6, 8):
            causes.append(("digits", "digits: Must be 6 or 8."))
        period = settings.get("period")
        if type(period) is not int or not 15 <= period <= 120:
            causes.append(("period", "period: Must be a whole number of seconds from 15 to 120."))
    channels = tuple(channel_types(key))
    if key == "okta_email" or (channels and "tokenLifetimeInMinutes" in settings):
        minutes = settings.get("tokenLifetimeInMinutes")
        if type(minutes) is not int or not 1 <= minutes <= 1440:
            causes.append(("tokenLifetimeInMinutes", "tokenLifetimeInMinutes: Must be a whole number from 1 to 1440."))
    kept = {k: v for k, v in settings.items() if k in KNOWN_SETTINGS}
    if channels and "channels" in settings:
        chosen = settings["channels"]
        if not isinstance(chosen, list) or not chosen or any(c not in channels for c in chosen):
            causes.append(("channels", f"channels: Must list one or more of {', '.join(channels)}; to turn them "
                                       "all off, deactivate the authenticator."))
        else:
            kept["channels"] = [c for c in channels if c in chosen]
    if channels and "templates" in settings:
        try:
            kept["templates"] = message_templates.validate(channels, settings["templates"])
        except ValidationFailed as exc:
            causes += exc.causes
    if causes:
        raise ValidationFailed("authenticator", causes)
    return kept


KNOWN_SETTINGS = ("allowedFor", "algorithm", "digits", "period", "tokenLifetimeInMinutes")
