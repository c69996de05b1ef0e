"""Password hashes made with older argon2id parameters are replaced at the next sign-in, and a
rehash never reverts a password changed meanwhile (both backends)."""
from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select, update

from twofold.domain.errors import MfaRequired
from twofold.services import login
from twofold.store import users as user_store
from twofold.store.tables import users

from ..support import PASSWORD


async def _hash_of(rt, user_id: str) -> str:
    async with rt.db.transaction() as conn:
        return (await conn.execute(select(users.c.password_hash).where(users.c.id == user_id))).scalar_one()


async def _set_hash(rt, user_id: str, value: str) -> None:
    async with rt.db.transaction() as conn:
        await conn.execute(update(users).where(users.c.id == user_id).values(password_hash=value))


async def test_outdated_hash_is_replaced_at_sign_in(rt, client, user):
    old = PasswordHasher(time_cost=3, memory_cost=8192, parallelism=1).hash(PASSWORD)
    await _set_hash(rt, user.id, old)
    try:
        await login.password_login(rt, client, username=user.login, password=PASSWORD, realm=None,
                                   audience=None, scope="openid")
    except MfaRequired:
        pass  # the password step has done its writes by then
    new = await _hash_of(rt, user.id)
    assert new != old and not PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).check_needs_rehash(new)
    assert (await rt.passwords.verify(new, PASSWORD))[0]


async def test_a_rehash_does_not_revert_a_password_changed_meanwhile(rt, user):
    verified = await _hash_of(rt, user.id)
    changed = await rt.passwords.hash("a-new-password-set-by-an-admin")
    await _set_hash(rt, user.id, changed)  # the administrator's change lands during the hash
    async with rt.db.transaction() as conn:
        await user_store.record_login(conn, user.id, rt.now_ms(), (verified, await rt.passwords.hash(PASSWORD)))
    assert await _hash_of(rt, user.id) == changed
