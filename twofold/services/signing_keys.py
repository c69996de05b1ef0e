"""JWT signing keys: loading them, and rotating them without a relying party ever meeting a
token whose key it has not seen (R62).

A rotation adds a key that is published at once and signs only from `activates_at`, the
publish delay later (`twofold keys rotate-signing`), so caches of the JWKS hold it before the
first token it signs arrives. From then on the old key signs nothing, and it stays published
until every token it signed has expired: its successor's activation plus the longest lifetime
of a signed token (access and ID tokens; refresh tokens and mfa_tokens are opaque, never
signed) plus a clock-skew allowance. Every state follows from the two times on each row and
the clock, so all server processes agree; each re-reads the rows every
TWOFOLD_KEY_REFRESH_SECONDS (the least publish delay there can be)."""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

from ..config import Settings
from ..crypto import signing
from ..crypto.sealing import Sealer
from ..domain import ids
from ..domain.clock import Clock
from ..store import org as org_store
from ..store.db import Database
from .runtime import Runtime

log = logging.getLogger("twofold")

DEFAULT_PUBLISH_DELAY_SECONDS = 86_400  # JWKS caches commonly hold a set for minutes to hours
SKEW_ALLOWANCE_SECONDS = 300  # relying parties accept a token a little past its exp
RULE_ACCESS_TOKEN_MAX_SECONDS = 1440 * 60  # an access rule's longest lifetime (services.server_policies)


class KeyCommandRefused(Exception):
    """A `twofold keys` command that cannot be done now; the message says why and what to do."""


def signing_key_context(kid: str) -> str:
    return f"signing-key:{kid}"


def longest_token_lifetime(settings: Settings) -> int:
    """Seconds: the longest a JWT signed here lives."""
    return max(settings.access_token_ttl, settings.okta_access_token_ttl, settings.mfa_api_token_ttl,
               settings.id_token_ttl, RULE_ACCESS_TOKEN_MAX_SECONDS)


def retention_ms(settings: Settings) -> int:
    """How long a key stays published after its successor took over."""
    return (longest_token_lifetime(settings) + SKEW_ALLOWANCE_SECONDS) * 1000


@dataclass(frozen=True)
class KeyTimes:
    kid: str
    created_at: int
    activates_at: int
    leaves_at: int | None  # None: the newest key, which stays

    def state(self, now_ms: int, newest_active: str) -> str:
        if self.leaves_at is not None and now_ms >= self.leaves_at:
            return "left"
        if self.activates_at > now_ms:
            return "next"
        return "active" if self.kid == newest_active else "retiring"


def schedule(rows, settings: Settings) -> list[KeyTimes]:
    """Each key's times, oldest activation first: a key leaves when its successor has signed
    for the retention."""
    rows = sorted(rows, key=lambda r: (r.activates_at, r.created_at))
    keep = retention_ms(settings)
    return [KeyTimes(r.kid, r.created_at, r.activates_at,
                     rows[i + 1].activates_at + keep if i + 1 < len(rows) else None)
            for i, r in enumerate(rows)]


def active_kid(times: list[KeyTimes], now_ms: int) -> str:
    """The key that signs at `now_ms` (the newest whose time has come)."""
    due = [t for t in times if t.activates_at <= now_ms]
    return (due[-1] if due else times[0]).kid


class SignerSource:
    """Builds the process's Signer from the rows, parsing each private key once."""

    def __init__(self, db: Database, sealer: Sealer, settings: Settings, clock: Clock) -> None:
        self.db, self.sealer, self.settings, self.clock = db, sealer, settings, clock
        self._parsed: dict[str, signing.SigningKey] = {}
        self._seen: tuple | None = None

    async def load(self) -> signing.Signer:
        async with self.db.transaction() as conn:
            rows = await org_store.signing_key_rows(conn)
        self._seen = tuple(sorted((r.kid, r.activates_at) for r in rows))
        keys = []
        for r, times in zip(sorted(rows, key=lambda r: (r.activates_at, r.created_at)),
                            schedule(rows, self.settings), strict=True):
            parsed = self._parsed.get(r.kid)
            if parsed is None:
                pem = self.sealer.open(r.private_sealed, signing_key_context(r.kid))
                parsed = self._parsed[r.kid] = signing.load_signing_key(r.kid, pem, json.loads(r.public_jwk))
            keys.append(signing.SigningKey(r.kid, parsed.private_key, parsed.public_jwk,
                                           times.activates_at, times.leaves_at))
        return signing.Signer(keys, self.clock)

    async def changed(self) -> bool:
        async with self.db.transaction() as conn:
            now = tuple(sorted((r.kid, r.activates_at) for r in await org_store.signing_key_times(conn)))
        return now != self._seen


async def keep_fresh(rt: Runtime, source: SignerSource | None) -> None:
    """Runs for the life of a server process: re-reads the keys every key_refresh_seconds, so a
    rotation made by a command (or another host) reaches this process's JWKS and signing."""
    while source is not None:
        await asyncio.sleep(rt.settings.key_refresh_seconds)
        try:
            if await source.changed():
                rt.signer = await source.load()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep the keys it has; the next round tries again
            log.warning("could not re-read the signing keys (%s); keeping the ones loaded", type(exc).__name__)


async def new_key_row(conn, sealer: Sealer, *, now: int, activates_at: int) -> str:
    kid = ids.random_base62(24)
    pem = signing.generate_private_pem()
    await org_store.insert_signing_key(
        conn, kid=kid, alg=signing.ALGORITHM, private_sealed=sealer.seal(pem, signing_key_context(kid)),
        public_jwk=json.dumps(signing.public_jwk(kid, pem)), created_at=now, activates_at=activates_at,
    )
    return kid


async def times(rt: Runtime, *, prune: bool = True) -> list[KeyTimes]:
    """The keys' times; keys that have left are deleted first (their private keys go with them)."""
    now = rt.now_ms()
    async with rt.db.transaction() as conn:
        found = schedule(await org_store.signing_key_rows(conn), rt.settings)
        gone = [t.kid for t in found if t.leaves_at is not None and t.leaves_at <= now]
        if prune and gone:
            await org_store.delete_signing_keys(conn, gone)
            found = [t for t in found if t.kid not in gone]
    return found


@dataclass(frozen=True)
class Rotation:
    new: KeyTimes
    old: KeyTimes  # the key that signs until the new one takes over
    old_leaves_at: int


async def rotate(rt: Runtime, publish_delay_seconds: int) -> Rotation:
    """Publish a new key now; it signs from now + the delay."""
    least = rt.settings.key_refresh_seconds
    if publish_delay_seconds < least:
        raise KeyCommandRefused(
            f"the publish delay must be at least TWOFOLD_KEY_REFRESH_SECONDS ({least:g} s): every server "
            "process publishes a new key only after re-reading the keys")
    await times(rt)  # prune
    now = rt.now_ms()
    async with rt.db.transaction() as conn:
        rows = await org_store.signing_key_rows(conn)
        waiting = [r for r in rows if r.activates_at > now]
        if waiting:
            raise KeyCommandRefused(
                f"signing key {waiting[-1].kid} is already published and waiting to sign (from "
                f"{iso(waiting[-1].activates_at)}); bring it forward with `twofold keys rotate-signing --activate`")
        await new_key_row(conn, rt.sealer, now=now, activates_at=now + publish_delay_seconds * 1000)
        found = schedule(await org_store.signing_key_rows(conn), rt.settings)
    return Rotation(new=found[-1], old=found[-2], old_leaves_at=found[-2].leaves_at or 0)


async def activate(rt: Runtime) -> Rotation:
    """Let the waiting key sign now (it must have been published for a refresh interval, so
    every server process publishes it)."""
    await times(rt)
    now = rt.now_ms()
    async with rt.db.transaction() as conn:
        rows = await org_store.signing_key_rows(conn)
        waiting = [r for r in rows if r.activates_at > now]
        if not waiting:
            raise KeyCommandRefused("no signing key is waiting to sign; publish one with "
                                    "`twofold keys rotate-signing`")
        key = waiting[-1]
        ready = key.created_at + int(rt.settings.key_refresh_seconds * 1000)
        if now < ready:
            raise KeyCommandRefused(
                f"signing key {key.kid} was published less than TWOFOLD_KEY_REFRESH_SECONDS "
                f"({rt.settings.key_refresh_seconds:g} s) ago: not every server process publishes it yet; "
                f"activate it from {iso(ready)}")
        await org_store.set_activation(conn, key.kid, now)
        found = schedule(await org_store.signing_key_rows(conn), rt.settings)
    return Rotation(new=found[-1], old=found[-2], old_leaves_at=found[-2].leaves_at or 0)


def iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
