"""The one-step settlement of a TOTP attempt (store/settle.py) as one table of scenarios, each
played on SQLite (statements in BEGIN IMMEDIATE) and on PostgreSQL (the stored function of
store/sql/twofold_settle_otp.sql), which must decide alike: the same outcomes, counters, claimed
steps, spent transactions and audit rows, and those the table expects. The rules: count before
the verdict (R31), claim a step once and never an earlier one (R1, R2), reset on success (R32),
spend the MFA transaction with the success only (R46), finish a sign-in only for a user still
ACTIVE, audit every outcome (R68). The transactional path (services.verify.check, with real
codes, on either counter) plays the scenarios it shares and must decide as the hot path does:
the rules are store/settle.py's, defined once. Security answers play the scenarios they share
in test_settle_answers.py, with this module's helpers."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text, update

from twofold.authenticators.base import ACTIVE, Answer
from twofold.authenticators.totp import seal_context
from twofold.domain import ids, otp
from twofold.domain.errors import InvalidOtp, TooManyAttempts
from twofold.services import clients, verify
from twofold.services import users as user_service
from twofold.services.runtime import RequestMeta
from twofold.store.settle import Attempt, OtpAttempt, settle_otp
from twofold.store.tables import audit_events, factors, mfa_transactions, users
from twofold.store.users import COUNTERS

from ..support import ALL_GRANTS, PASSWORD

T = 1_800_000_005_000  # the attempts' time (ms); the table gives times as offsets from it
MAX, COOLDOWN = 3, 60_000
STEP = 100  # the factor's last used step before the scenario
KIND = '{"kind": "otp"}'
AMR = '{"amr": ["pwd", "otp"]}'  # the token.issue row the hot path writes with a success


@dataclass(frozen=True)
class Try:
    step: int | None  # the step the code matched (None: no match)
    at: int = 0
    replayed: bool = False  # the reader saw the code's step used already
    txn: bool = False  # a sign-in: spend the MFA transaction and write token.issue with the success


def right(step: int = STEP + 1, at: int = 0, txn: bool = False) -> Try:
    return Try(step, at, txn=txn)


def wrong(at: int = 0, txn: bool = False) -> Try:
    return Try(None, at, txn=txn)


# Audit rows as (event_type, outcome, reason, factor_id, detail).
VERIFIED = ("mfa.verify", "SUCCESS", None, "factor", KIND)
INVALID = ("mfa.verify", "FAILURE", "invalid_code", None, KIND)
REPLAYED = ("mfa.verify", "FAILURE", "replayed", "factor", KIND)
LOCKED = ("mfa.verify", "DENY", "locked_out", None, KIND)
LOCKOUT = ("user.mfa.lockout", "DENY", None, None, '{"kind": "otp", "failures": 3}')
ISSUED = ("token.issue", "SUCCESS", None, None, AMR)
GONE = "gone"  # the user row deleted


@dataclass(frozen=True)
class Scenario:
    name: str
    tries: tuple[Try, ...]
    settled: tuple[tuple[str, int, int | None], ...]  # (outcome, attempt, retry_at offset; None: 0)
    counter: tuple[int, int | None] | None  # (mfa_failures, mfa_last_attempt_at offset) after; None: no user
    events: tuple[tuple, ...]  # in any order
    step: int = STEP  # the factor's last used step after
    # Given: the counter, the user's status, the factor's status and the MFA transaction.
    before: tuple[int, int | None] = (0, None)
    status: str = "ACTIVE"  # or GONE
    factor: str = "ACTIVE"
    txn: str | None = None  # fresh | spent | expired
    txn_spent_at: int | None = None  # offset, after


SCENARIOS = [
    Scenario("right code", (right(),), (("ok", 1, None),), (0, None), (VERIFIED,), step=STEP + 1),
    Scenario("replay, then an older step, then a later one",
             (right(), right(), right(STEP), right(STEP + 2)),
             (("ok", 1, None), ("replayed", 1, None), ("replayed", 2, None), ("ok", 3, None)),
             (0, 0), (VERIFIED, REPLAYED, REPLAYED, VERIFIED), step=STEP + 2),
    Scenario("older step than the last used", (right(STEP - 1),), (("replayed", 1, None),), (1, 0), (REPLAYED,)),
    Scenario("replay seen by the reader", (Try(None, replayed=True),), (("replayed", 1, None),), (1, 0),
             (REPLAYED,)),
    Scenario("wrong code", (wrong(),), (("invalid", 1, None),), (1, 0), (INVALID,)),
    Scenario("lockout reached: counted before the verdict", (wrong(), wrong(at=1), wrong(at=2)),
             (("invalid", 1, None), ("invalid", 2, None), ("invalid", 3, None)), (3, 2),
             (INVALID, INVALID, INVALID, LOCKOUT)),
    Scenario("locked: the right code is refused", (right(),), (("locked", 0, -1000 + COOLDOWN),), (3, -1000),
             (LOCKED,), before=(3, -1000)),
    Scenario("cooldown passed: counting starts again", (right(),), (("ok", 1, None),), (0, 0), (VERIFIED,),
             step=STEP + 1, before=(3, -COOLDOWN)),
    Scenario("cooldown passed: a wrong code is the first failure", (wrong(),), (("invalid", 1, None),), (1, 0),
             (INVALID,), before=(3, -COOLDOWN)),
    Scenario("locked by failures, then the cooldown",
             (wrong(), wrong(), wrong(), right(at=1000), right(at=COOLDOWN)),
             (("invalid", 1, None), ("invalid", 2, None), ("invalid", 3, None), ("locked", 0, COOLDOWN),
              ("ok", 1, None)),
             (0, COOLDOWN), (INVALID, INVALID, INVALID, LOCKOUT, LOCKED, VERIFIED), step=STEP + 1),
    Scenario("counter reset on success", (right(),), (("ok", 3, None),), (0, 0), (VERIFIED,), step=STEP + 1,
             before=(2, -1000)),
    Scenario("mfa_token spent with the success only",
             (wrong(txn=True), right(txn=True), right(STEP + 2, txn=True)),
             (("invalid", 1, None), ("ok", 2, None), ("txn_spent", 1, None)),
             (0, 0), (INVALID, VERIFIED, ISSUED, VERIFIED), step=STEP + 2, txn="fresh", txn_spent_at=0),
    # The code was right, so its step stays claimed; only the grant fails.
    Scenario("mfa_token already spent", (right(txn=True),), (("txn_spent", 1, None),), (0, None), (VERIFIED,),
             step=STEP + 1, txn="spent", txn_spent_at=-5000),
    Scenario("mfa_token expired", (right(txn=True),), (("txn_spent", 1, None),), (0, None), (VERIFIED,),
             step=STEP + 1, txn="expired"),
    # Suspended since the hot path read it: no sign-in finishes; a plain verification does.
    Scenario("user suspended since the read", (right(txn=True), right()), (("gone", 0, None), ("ok", 1, None)),
             (0, None), (VERIFIED,), step=STEP + 1, status="SUSPENDED", txn="fresh"),
    Scenario("user deprovisioned since the read", (right(txn=True), wrong(txn=True)),
             (("gone", 0, None), ("gone", 0, None)), (0, None), (), status="DEPROVISIONED", txn="fresh"),
    Scenario("user deleted", (right(), wrong()), (("gone", 0, None), ("gone", 0, None)), None, (), status=GONE),
    # A pending factor is activated by the transactional path, never claimed here.
    Scenario("pending factor", (right(),), (("replayed", 1, None),), (1, 0), (REPLAYED,),
             factor="PENDING_ACTIVATION"),
]


async def _given(rt, sc: Scenario, counter: str = "mfa", last_step: int = STEP) -> tuple[dict[str, str], bytes]:
    """A user, their TOTP factor (last used step `last_step`), a client and maybe an MFA
    transaction, as the scenario gives them; the ids by role, to compare rows across backends,
    and the factor's key."""
    rt.clock.at = T / 1000
    client, _ = await clients.register(rt, client_name="settle", grant_types=ALL_GRANTS,
                                       token_endpoint_auth_method="none")
    login = f"settle-{secrets.token_hex(4)}@example.com"
    user = await user_service.create(rt, user_service.NewUser(
        profile={"login": login, "email": login, "firstName": "S", "lastName": "T"},
        password=PASSWORD, activate=True))
    role = {"user": user.id, "client": client.client_id, "factor": "ostf" + secrets.token_hex(8),
            "txn": ids.opaque_token(16)[:22]}
    key = secrets.token_bytes(20)
    async with rt.db.transaction() as conn:
        await conn.execute(factors.insert().values(
            id=role["factor"], device_id="dev_" + secrets.token_hex(8), user_id=user.id, type="totp",
            provider="GOOGLE", status=sc.factor, secret_sealed=rt.sealer.seal(key, seal_context(role["factor"])),
            algorithm="SHA1", digits=6, period=30, last_used_step=last_step, created_at=T - 100_000,
            last_updated_at=T - 100_000, activation_expires_at=T + 600_000 if sc.factor != "ACTIVE" else None))
        failures, last = sc.before
        failures_col, last_col = COUNTERS[counter]
        await conn.execute(update(users).where(users.c.id == user.id).values(
            {failures_col: failures, last_col: None if last is None else T + last}))
        if sc.txn:
            created = T - (700_000 if sc.txn == "expired" else 10_000)
            await conn.execute(mfa_transactions.insert().values(
                id=role["txn"], token_hash=ids.token_hash("t" + role["txn"]), client_id=client.client_id,
                user_id=user.id, audience=None, scope="openid", amr="pwd", auth_time=created, server_id=None,
                created_at=created, expires_at=created + 600_000,
                consumed_at=T - 5000 if sc.txn == "spent" else None))
        if sc.status == GONE:
            await conn.execute(text("DELETE FROM users WHERE id = :u"), {"u": user.id})
        elif sc.status != "ACTIVE":
            await conn.execute(update(users).where(users.c.id == user.id).values(status=sc.status))
    return role, key


def _attempt(role: dict[str, str], t: Try) -> OtpAttempt:
    return OtpAttempt(
        Attempt(user_id=role["user"], now=T + t.at, max_failures=MAX, cooldown_ms=COOLDOWN, kind="otp",
                client_id=role["client"], ip="127.0.0.1", user_agent="test"),
        factor_id=role["factor"], step=t.step, replayed=t.replayed, txn_id=role["txn"] if t.txn else None,
        success_event="token.issue" if t.txn else None, success_detail=AMR if t.txn else None)


async def _play(rt, sc: Scenario) -> dict:
    """The hot path: every attempt's answer and the rows afterwards (see `_observe`)."""
    role, _ = await _given(rt, sc)
    earlier = await _events_of(rt, role)
    settled = [await settle_otp(rt.db, _attempt(role, t)) for t in sc.tries]
    return {"settled": [(s.outcome, s.attempt, _rel(s.retry_at) if s.retry_at else None) for s in settled],
            **await _observe(rt, role, earlier)}


def _rel(ms):
    return None if ms is None else ms - T


async def _events_of(rt, role: dict[str, str]) -> list:
    async with rt.db.transaction() as conn:
        return (await conn.execute(select(audit_events).where(audit_events.c.user_id == role["user"]))).all()


async def _observe(rt, role: dict[str, str], earlier: list, counter: str = "mfa", step_offset: int = 0) -> dict:
    """The rows after the attempts, with ids replaced by their role, times by their offset from
    T, the counter played read as the table's (the other one as "user") and steps as the table's."""
    by_id = {v: k for k, v in role.items()}
    played, other = (COUNTERS[c] for c in (counter, "mfa" if counter != "mfa" else "otp_grant"))
    async with rt.db.transaction() as conn:
        user = (await conn.execute(select(*played, *other, users.c.status, users.c.last_updated_at)
                                   .where(users.c.id == role["user"]))).first()
        factor = (await conn.execute(select(
            factors.c.status, factors.c.last_used_step, factors.c.last_updated_at, factors.c.activated_at,
        ).where(factors.c.id == role["factor"]))).first()
        txn = (await conn.execute(select(mfa_transactions.c.consumed_at)
                                  .where(mfa_transactions.c.id == role["txn"]))).first()
    known = {e.id for e in earlier}  # the user's creation
    events = [e for e in await _events_of(rt, role) if e.id not in known]

    def detail(text_):  # a counter's rows name it unless it is "mfa"
        if text_ is None:
            return None
        d = json.loads(text_)
        assert d.pop("counter", "mfa") == counter
        return json.dumps(d)

    rows = sorted(((e.event_type, e.outcome, e.reason, by_id.get(e.factor_id), detail(e.detail), _rel(e.at),
                    by_id.get(e.client_id), e.ip, e.user_agent) for e in events), key=repr)
    return {
        "counter": None if user is None else (user[0], _rel(user[1])),
        "user": None if user is None else (user[2], _rel(user[3]), user.status, _rel(user.last_updated_at)),
        "factor": None if factor is None else (
            factor.status, None if factor.last_used_step is None else factor.last_used_step - step_offset,
            _rel(factor.last_updated_at), _rel(factor.activated_at)),
        "txn_spent_at": None if txn is None else _rel(txn.consumed_at),
        "events": sorted((r[:5] for r in rows), key=repr),
        "rows": rows,
    }


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda sc: sc.name)
async def test_both_backends_settle_alike(runtimes, sc):
    played = {backend: await _play(rt, sc) for backend, rt in runtimes.items()}
    assert played["sqlite"] == played["postgresql"]
    got = played["postgresql"]
    assert got["settled"] == list(sc.settled)
    assert got["counter"] == sc.counter
    assert got["events"] == sorted(sc.events, key=repr)
    assert {r[6:] for r in got["rows"]} <= {("client", "127.0.0.1", "test")}
    if sc.status != GONE:
        assert got["factor"][:2] == (sc.factor, sc.step)
        assert got["user"][:2] == (0, None)  # Okta's OTP grant has a budget of its own, untouched here
    if sc.txn:
        assert got["txn_spent_at"] == sc.txn_spent_at


async def test_atomic_rolls_back_and_held_keeps_one_connection(rt, user):
    from twofold.store import throttle

    with pytest.raises(RuntimeError):
        async with rt.db.atomic():
            assert await throttle.reserve(rt.db, "k-rollback", rt.now_ms(), 5, 1000)
            raise RuntimeError("abort")
    # Rolled back: the counter starts again at the first attempt.
    async with rt.db.transaction() as conn:
        rows = (await conn.execute(text("SELECT failures FROM password_throttle WHERE key = 'k-rollback'"))).all()
    assert rows == []
    if not rt.db.sqlite:
        pid = text("SELECT pg_backend_pid() AS pid")
        async with rt.db.held():
            first, second = (await rt.db.run(pid))[0].pid, (await rt.db.run(pid))[0].pid
        assert first == second


# --- the transactional path (services.verify.check) plays the same table ------------------------
# Its scenarios are those without an MFA transaction, for an ACTIVE user and factor (the hot
# path's own cases aside; a pending factor is the transactional path's to activate). The codes
# are real: the table's step STEP + d is the code of BASE + d, which the verifier (±3 steps,
# conftest's runtimes) accepts at T and a minute later; a wrong code is one 50 steps away.
BASE = int(T / 1000) // 30 - 1
SHARED = [sc for sc in SCENARIOS if sc.status == "ACTIVE" and sc.factor == ACTIVE and not sc.txn]


def _code(key: bytes, t: Try) -> str:
    step = t.step if t.step is not None else STEP if t.replayed else STEP + 50
    return otp.hotp(key, BASE + step - STEP)


def _outcome(result: verify.Check) -> tuple[str, int | None]:
    """(outcome as the hot path names it, seconds to wait when locked)."""
    if result.ok:
        return "ok", None
    if isinstance(result.error, TooManyAttempts):
        return "locked", result.error.retry_after
    assert isinstance(result.error, InvalidOtp), result.error
    return ("replayed" if result.error.replayed else "invalid"), None


async def _play_checked(rt, sc: Scenario, counter: str) -> dict:
    """verify.check, in the caller's transaction as the OTP grant, pending activation and the
    console call it, spending `counter`; the rows as `_play` reads them."""
    role, key = await _given(rt, sc, counter, last_step=BASE)
    earlier = await _events_of(rt, role)
    outcomes = []
    for t in sc.tries:
        rt.clock.at = (T + t.at) / 1000
        async with rt.db.transaction() as conn:
            result = await verify.check(rt, role["user"], _code(key, t), answer=Answer.PASSCODE, conn=conn,
                                        statuses=(ACTIVE,), meta=RequestMeta("127.0.0.1", "test"),
                                        client_id=role["client"], counter=counter)
        outcomes.append(_outcome(result))
    return {"outcomes": outcomes, **await _observe(rt, role, earlier, counter, step_offset=BASE - STEP)}


def _as_checked(played: dict, sc: Scenario) -> dict:
    """The hot path's answers as verify.check gives them (a lock's wait in whole seconds)."""
    outcomes = [(o, None if retry is None else max(1, (retry - t.at + 999) // 1000))
                for (o, _, retry), t in zip(played["settled"], sc.tries, strict=True)]
    return {"outcomes": outcomes, **{k: v for k, v in played.items() if k != "settled"}}


@pytest.mark.parametrize("counter", list(COUNTERS))
@pytest.mark.parametrize("sc", SHARED, ids=lambda sc: sc.name)
async def test_the_transactional_path_settles_like_the_hot_path(runtimes, sc, counter):
    """The settle rules are store/settle.py's, whichever path applies them and whichever
    counter it spends: the same answers, counters, steps and audit rows, on both backends."""
    for rt in runtimes.values():
        hot = _as_checked(await _play(rt, sc), sc)
        assert await _play_checked(rt, sc, counter) == hot
