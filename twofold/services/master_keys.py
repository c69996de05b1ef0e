"""The master keyring (R7): re-sealing every sealed secret under a new master key while the
server runs, removing a key nothing is sealed under any more, and the start-up check that the
keyring holds every key the database's secrets need.

Progress is the data itself: each blob's header names the key it is sealed under, so a pass
reads only the rows not yet under the active key, re-seals them a batch per transaction, and
a pass stopped anywhere (even by SIGKILL) is finished by running it again. The org row lists
the keys that may have sealed something here; a key joins it before anything is sealed under
it and leaves it only when no row is."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from ..authenticators.totp import seal_context as factor_seal_context
from ..crypto.sealing import Sealer, SealingError, new_key, new_key_id, read_keyring, write_keyring
from ..store import org as org_store
from ..store import sealed
from ..store.db import Database
from .runtime import Runtime
from .signing_keys import KeyCommandRefused, signing_key_context

# The associated data each sealed column binds its blobs to (crypto.sealing), by row key.
CONTEXTS: dict[str, Callable[[str], str]] = {
    "factors.secret_sealed": factor_seal_context,  # every factor type seals under "factor:<id>"
    "signing_keys.private_sealed": signing_key_context,
}


async def check_keyring(db: Database, sealer: Sealer, key_file) -> None:
    """At start-up: refuse, with what to do, if a secret here is sealed under a key the keyring
    lacks. The org row's list answers at once; only when it names a key the file lacks are the
    rows counted (a key removed by hand after its rows were re-sealed is then forgotten)."""
    async with db.transaction() as conn:
        recorded = set((await org_store.get_org(conn)).master_key_ids.split(",")) - {""}
        missing = recorded - set(sealer.key_ids)
        if missing:
            counts = await sealed.count_by_key_id(conn)
            needed = {kid: counts[kid] for kid in sorted(set(counts) - set(sealer.key_ids))}
            if needed:
                listed = ", ".join(f"{n} under {kid}" for kid, n in needed.items())
                raise SealingError(
                    f"the master key file {key_file} lacks key(s) {', '.join(needed)} that this database's "
                    f"sealed secrets (TOTP seeds, signing keys) need ({listed}); restore the file that holds "
                    "them (the master.key backed up with this database) or point TWOFOLD_MASTER_KEY_FILE at it")
        wanted = (recorded - missing) | set(sealer.key_ids)
        if wanted != recorded:
            await org_store.set_master_key_ids(conn, sorted(wanted))


@dataclass
class Pass:
    added_key: str | None  # the key this run added to the file (None: it resumed a rotation)
    active: str
    resealed: dict[str, int] = field(default_factory=dict)  # column → rows re-sealed by this run
    others: list[str] = field(default_factory=list)  # keys in the file besides the active one


async def rotate(rt: Runtime, *, batch_size: int, pause_seconds: float = 0.0,
                 progress: Callable[[str], None] = lambda _: None) -> Pass:
    """Add a new active key to the keyring file (unless it already holds more than one key: an
    unfinished rotation, resumed), then re-seal every blob not under the active key."""
    if batch_size < 1:
        raise KeyCommandRefused("--batch-size must be at least 1")
    path = rt.settings.resolved_master_key_file
    keys, active = read_keyring(path)
    added = None
    if len(keys) == 1:
        added = new_key_id()
        keys[added] = new_key()
        # The database learns the key before anything is sealed under it (check_keyring).
        await _record(rt.db, set(keys))
        write_keyring(path, keys, added)
        active = added
        progress(f"master key {added} added to {path} and active (the previous one, {sorted(set(keys) - {added})[0]}, "
                 "stays until every secret is re-sealed)")
    else:
        await _record(rt.db, set(keys))
    rt.sealer.refresh()
    if rt.sealer.active != active:
        raise SealingError("the master key file changed while rotating; run the command again")
    done = Pass(added, active, others=sorted(set(keys) - {active}))
    for col in sealed.SEALED_COLUMNS:
        context = CONTEXTS[col.name]
        after, count = "", 0
        while True:
            async with rt.db.transaction() as conn:
                rows = await sealed.not_under(conn, col, active, after, batch_size)
                for row in rows:
                    blob = bytes(row.blob)
                    fresh = rt.sealer.seal(rt.sealer.open(blob, context(row.key)), context(row.key))
                    if await sealed.swap(conn, col, row.key, blob, fresh):
                        count += 1
            if not rows:
                break
            after = rows[-1].key
            progress(f"{col.name}: {count} re-sealed under {active}")
            if pause_seconds:
                await asyncio.sleep(pause_seconds)
        done.resealed[col.name] = count
    return done


async def _record(db: Database, key_ids: set[str]) -> None:
    async with db.transaction() as conn:
        recorded = set((await org_store.get_org(conn)).master_key_ids.split(",")) - {""}
        if not key_ids <= recorded:
            await org_store.set_master_key_ids(conn, sorted(recorded | key_ids))


async def usage(rt: Runtime) -> dict[str, int]:
    """Blobs per key id (every key of the file listed, with 0 when it seals nothing)."""
    async with rt.db.transaction() as conn:
        counts = await sealed.count_by_key_id(conn)
    return {kid: counts.get(kid, 0) for kid in rt.sealer.key_ids} | counts


async def remove_retired(rt: Runtime) -> list[str]:
    """Drop from the keyring file every key but the active one, once no blob is sealed under
    it; refuse (changing nothing) while one is."""
    path = rt.settings.resolved_master_key_file
    keys, active = read_keyring(path)
    old = sorted(set(keys) - {active})
    if not old:
        raise KeyCommandRefused(f"the master key file holds only the active key {active}: nothing to remove")
    async with rt.db.transaction() as conn:
        counts = await sealed.count_by_key_id(conn)
        still = {kid: counts[kid] for kid in old if counts.get(kid)}
        if still:
            listed = ", ".join(f"{n} under {kid}" for kid, n in still.items())
            raise KeyCommandRefused(f"secrets are still sealed under the old key ({listed}); finish the "
                                    "rotation with `twofold keys rotate-master` first")
        await org_store.set_master_key_ids(conn, [active])
    write_keyring(path, {active: keys[active]}, active)
    rt.sealer.refresh()
    return old
