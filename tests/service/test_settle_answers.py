"""Security answers (authenticators/question.py) settled by the rules of store/settle.py, as
test_settle.py's table plays them for codes, on SQLite and PostgreSQL alike: a wrong answer
counts before its verdict (R31) and the one reaching the limit writes user.mfa.lockout naming
its kind; a locked user is refused even with the right answer; after the cooldown counting
starts again; a right answer resets the counter (R32) and writes the SUCCESS row (R68). The
answer is checked with argon2id between two transactions, so its count is written ahead
(`hold`), and parallel wrong answers cannot evaluate more than the budget.

The answers are real: enrolled through services.factors, checked through services.verify.check
as Okta's factor verify and the console's sign-in call it. Unlike a code, an answer claims
nothing (no step, no replay) and leaves its factor untouched; its count being written ahead, a
success from zero stamps the counter's time too (0, at) where the hot path writes nothing."""
from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import update

from twofold import authenticators
from twofold.authenticators.base import ACTIVE, Answer
from twofold.domain.errors import InvalidAnswer, TooManyAttempts
from twofold.services import clients, factors, verify
from twofold.services import users as user_service
from twofold.services.runtime import RequestMeta
from twofold.store.tables import users
from twofold.store.users import COUNTERS

from ..support import ALL_GRANTS, PASSWORD
from .test_settle import COOLDOWN, MAX, T, Try, _events_of, _observe, right, wrong

ANSWER = "Mayonnaise"
ENROLLED = -100_000  # when the question was enrolled (offset from T)
KIND = '{"kind": "question"}'

# Audit rows as (event_type, outcome, reason, factor_id, detail), as in test_settle. A wrong
# answer names the one factor it was for.
VERIFIED = ("mfa.verify", "SUCCESS", None, "factor", KIND)
INVALID = ("mfa.verify", "FAILURE", "invalid_answer", "factor", KIND)
LOCKED = ("mfa.verify", "DENY", "locked_out", None, KIND)
LOCKOUT = ("user.mfa.lockout", "DENY", None, None, '{"kind": "question", "failures": 3}')


@dataclass(frozen=True)
class Scenario:
    name: str
    tries: tuple[Try, ...]  # right(): the enrolled answer; wrong(): another
    outcomes: tuple[tuple[str, int | None], ...]  # (ok | invalid | locked, seconds to wait when locked)
    counter: tuple[int, int | None]  # (mfa_failures, mfa_last_attempt_at offset) after
    events: tuple[tuple, ...]  # in any order
    before: tuple[int, int | None] = (0, None)  # the counter given


# test_settle's scenarios that an answer shares, by the same names ("code" read as "answer").
SCENARIOS = [
    Scenario("right answer", (right(),), (("ok", None),), (0, 0), (VERIFIED,)),
    Scenario("wrong answer", (wrong(),), (("invalid", None),), (1, 0), (INVALID,)),
    Scenario("lockout reached: counted before the verdict", (wrong(), wrong(at=1), wrong(at=2)),
             (("invalid", None),) * 3, (3, 2), (INVALID, INVALID, INVALID, LOCKOUT)),
    Scenario("locked: the right answer is refused", (right(),), (("locked", 59),), (3, -1000), (LOCKED,),
             before=(3, -1000)),
    Scenario("cooldown passed: counting starts again", (right(),), (("ok", None),), (0, 0), (VERIFIED,),
             before=(3, -COOLDOWN)),
    Scenario("cooldown passed: a wrong answer is the first failure", (wrong(),), (("invalid", None),), (1, 0),
             (INVALID,), before=(3, -COOLDOWN)),
    Scenario("locked by failures, then the cooldown",
             (wrong(), wrong(), wrong(), right(at=1000), right(at=COOLDOWN)),
             (("invalid", None),) * 3 + (("locked", 59), ("ok", None)),
             (0, COOLDOWN), (INVALID, INVALID, INVALID, LOCKOUT, LOCKED, VERIFIED)),
    Scenario("counter reset on success", (right(),), (("ok", None),), (0, 0), (VERIFIED,), before=(2, -1000)),
]


async def _given(rt, before: tuple[int, int | None]) -> dict[str, str]:
    """A user with a security question enrolled through the service (at ENROLLED), a client,
    and the counter as given; the ids by role (no MFA transaction: "txn" names none)."""
    rt.clock.at = (T + ENROLLED) / 1000
    client, _ = await clients.register(rt, client_name="settle", grant_types=ALL_GRANTS,
                                       token_endpoint_auth_method="none")
    login = f"answers-{secrets.token_hex(4)}@example.com"
    user = await user_service.create(rt, user_service.NewUser(
        profile={"login": login, "email": login, "firstName": "S", "lastName": "A"},
        password=PASSWORD, activate=True))
    info = await factors.enroll_factor(rt, user.id, authenticators.get("question"), "OKTA",
                                       {"question": "disliked_food", "answer": ANSWER})
    failures, last = before
    failures_col, last_col = COUNTERS["mfa"]
    async with rt.db.transaction() as conn:
        await conn.execute(update(users).where(users.c.id == user.id).values(
            {failures_col: failures, last_col: None if last is None else T + last}))
    return {"user": user.id, "client": client.client_id, "factor": info.view.id, "txn": "-"}


async def _answer(rt, role: dict[str, str], t: Try) -> verify.Check:
    """One answer through the one verifier, as Okta's factor verify calls it (no transaction
    of the caller's: the count and the verdict commit apart, the hash between them)."""
    given = ANSWER if t.step is not None else "Ketchup"
    return await verify.check(rt, role["user"], given, answer=Answer.SECRET_ANSWER, factor_id=role["factor"],
                              statuses=(ACTIVE,), meta=RequestMeta("127.0.0.1", "test"), client_id=role["client"])


def _outcome(result: verify.Check) -> tuple[str, int | None]:
    if result.ok:
        return "ok", None
    if isinstance(result.error, TooManyAttempts):
        return "locked", result.error.retry_after
    assert isinstance(result.error, InvalidAnswer), result.error
    return "invalid", None


async def _play(rt, sc: Scenario) -> dict:
    role = await _given(rt, sc.before)
    earlier = await _events_of(rt, role)
    outcomes = []
    for t in sc.tries:
        rt.clock.at = (T + t.at) / 1000
        outcomes.append(_outcome(await _answer(rt, role, t)))
    return {"outcomes": outcomes, **await _observe(rt, role, earlier)}


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda sc: sc.name)
async def test_security_answers_settle_by_the_same_rules(runtimes, sc):
    played = {backend: await _play(rt, sc) for backend, rt in runtimes.items()}
    assert played["sqlite"] == played["postgresql"]
    got = played["postgresql"]
    assert got["outcomes"] == list(sc.outcomes)
    assert got["counter"] == sc.counter
    assert got["events"] == sorted(sc.events, key=repr)
    assert {r[6:] for r in got["rows"]} <= {("client", "127.0.0.1", "test")}
    assert got["factor"] == (ACTIVE, None, ENROLLED, ENROLLED)  # an answer claims nothing
    assert got["user"][:2] == (0, None)  # the OTP grant's budget is not an answer's


async def test_parallel_wrong_answers_cannot_exceed_the_budget(runtimes):
    """Each answer's count is written (`hold`) and committed before its argon2id check, so of
    3 × MAX parallel wrong answers MAX are evaluated and the rest find the user locked."""
    for rt in runtimes.values():
        role = await _given(rt, (0, None))
        rt.clock.at = T / 1000
        earlier = await _events_of(rt, role)
        results = await asyncio.gather(*(_answer(rt, role, wrong()) for _ in range(3 * MAX)))
        assert Counter(map(_outcome, results)) == {("invalid", None): MAX, ("locked", COOLDOWN // 1000): 2 * MAX}
        got = await _observe(rt, role, earlier)
        assert got["counter"] == (MAX, 0)
        assert got["events"] == sorted((INVALID,) * MAX + (LOCKOUT,) + (LOCKED,) * (2 * MAX), key=repr)
