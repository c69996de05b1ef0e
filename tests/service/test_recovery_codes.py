"""services/recovery_codes.regenerate in-process, on SQLite and PostgreSQL: the old code fails
and the new one works through the one verifier; the swap is a compare-and-set on the hash it
read (a regeneration that read a code another one has replaced since returns nothing and
changes nothing); no code, no user; the audit row holds no code (R19, R13, R68)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from twofold import authenticators
from twofold.authenticators.base import ACTIVE, Answer, EnrollRequest
from twofold.domain.errors import Conflict, InvalidRecoveryCode, NoRecoveryCode, NotFound
from twofold.services import recovery_codes, verify
from twofold.services.runtime import RequestMeta
from twofold.store import factors as factor_store
from twofold.store.tables import audit_events


async def _with_recovery_code(rt, user) -> str:
    """Gives the user an ACTIVE recovery code (as a confirmed Auth0 association leaves it)."""
    (kind,) = [authenticators.get(t) for t in authenticators.answering(Answer.RECOVERY_CODE)]
    now = rt.now_ms()
    made = kind.enroll(rt.sealer, EnrollRequest(user_id=user.id, login=user.login, provider="", now=now,
                                                activation_expires_at=now + 60_000))
    async with rt.db.transaction() as conn:
        await factor_store.insert_factor(conn, **{**made.values, "status": ACTIVE, "activated_at": now})
    return made.shown_secret


async def _answer(rt, user, code: str):
    return (await verify.check(rt, user.id, code, answer=Answer.RECOVERY_CODE)).error


async def test_the_old_code_fails_and_the_new_one_works(rt, user):
    old = await _with_recovery_code(rt, user)
    new = await recovery_codes.regenerate(rt, user.id, RequestMeta(ip="203.0.113.9", actor_id="00uadmin"))
    assert new != old
    assert isinstance(await _answer(rt, user, old), InvalidRecoveryCode)
    assert await _answer(rt, user, new) is None
    assert isinstance(await _answer(rt, user, new), InvalidRecoveryCode)  # spent, replaced (R13, R17)
    async with rt.db.transaction() as conn:
        rows = (await conn.execute(select(audit_events).where(
            audit_events.c.event_type == recovery_codes.EVENT, audit_events.c.user_id == user.id))).all()
    assert len(rows) == 1 and rows[0].outcome == "SUCCESS" and rows[0].factor_id
    assert new not in str(tuple(rows[0])) and old not in str(tuple(rows[0]))
    assert '"actor": "00uadmin"' in rows[0].detail


async def test_a_stale_read_swaps_nothing_and_returns_no_code(rt, user, monkeypatch):
    """The regeneration read the factor before another replaced its code: its compare-and-set
    on the old hash matches no row, so it answers Conflict, and the code the other returned is
    still the one that works (a blind overwrite would return a code and break that one)."""
    await _with_recovery_code(rt, user)
    async with rt.db.transaction() as conn:
        stale = await factor_store.for_user(conn, user.id)
    current = await recovery_codes.regenerate(rt, user.id)

    async def read_stale(conn, user_id, **filters):
        return [r for r in stale if r.type in filters["types"] and r.status in filters["statuses"]]

    monkeypatch.setattr(factor_store, "for_user", read_stale)
    with pytest.raises(Conflict):
        await recovery_codes.regenerate(rt, user.id)
    monkeypatch.undo()
    assert await _answer(rt, user, current) is None


async def test_no_active_code_and_no_user(rt, user):
    with pytest.raises(NoRecoveryCode):
        await recovery_codes.regenerate(rt, user.id)
    assert not await recovery_codes.has_active(rt, user.id)
    with pytest.raises(NotFound) as refused:
        await recovery_codes.regenerate(rt, "00u" + "z" * 17)
    assert type(refused.value) is NotFound
    await _with_recovery_code(rt, user)
    assert await recovery_codes.has_active(rt, user.id)
    assert await recovery_codes.regenerate(rt, user.login)  # a login names the user too
