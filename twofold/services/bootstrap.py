"""First start: migrate, then create the org, its signing key, the default realm and an admin
API token. Safe when several processes start together (unique org row, migration lock).
Every start: the keyring must hold the keys the database's secrets are sealed under."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ..config import Settings
from ..crypto.passwords import Passwords
from ..crypto.sealing import Sealer, load_or_create_keyring
from ..domain import ids
from ..domain.clock import Clock, OffsetFileClock
from ..store import org as org_store
from ..store import tokens as token_store
from ..store import users as user_store
from ..store.db import Database, create_engine
from ..store.migrate import upgrade_to_head
from . import master_keys, signing_keys
from ..store.shared import SharedState
from .runtime import Runtime

DEFAULT_REALM = "Username-Password-Authentication"


@dataclass
class BootstrapReport:
    created_org: bool = False
    printed_api_token: str | None = None
    ignored_bootstrap_token: bool = False  # TWOFOLD_BOOTSTRAP_API_TOKEN set, but other tokens exist


async def ensure_ready(settings: Settings, db: Database, clock: Clock) -> tuple[Sealer, BootstrapReport]:
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the master key lives here
    await upgrade_to_head(db.engine)
    report = BootstrapReport()
    async with db.transaction() as conn:
        existing = await org_store.get_org(conn)
    sealer = load_or_create_keyring(settings.resolved_master_key_file, create=existing is None)
    if existing is not None:
        await master_keys.check_keyring(db, sealer, settings.resolved_master_key_file)
    else:
        report.created_org = await _create_org(db, sealer, clock)
    await _ensure_api_token(settings, db, clock, report)
    return sealer, report


async def _create_org(db: Database, sealer: Sealer, clock: Clock) -> bool:
    now = clock.now_ms()
    try:
        async with db.transaction() as conn:
            await org_store.insert_org(conn, name="twofold", master_key_ids=",".join(sealer.key_ids), created_at=now)
            await signing_keys.new_key_row(conn, sealer, now=now, activates_at=now)
            await user_store.insert_realm(conn, id=ids.okta_id("con"), name=DEFAULT_REALM, created_at=now)
        return True
    except IntegrityError:
        return False  # another process bootstrapped first


async def _ensure_api_token(settings: Settings, db: Database, clock: Clock, report: BootstrapReport) -> None:
    """The first start's admin API token: TWOFOLD_BOOTSTRAP_API_TOKEN's value, or a new one to
    print once. With tokens already there the variable is ignored, and the report says so
    unless it names one of them."""
    wanted = settings.bootstrap_api_token
    async with db.transaction() as conn:
        if await token_store.count_api_tokens(conn):
            if wanted and await token_store.api_token_by_hash(conn, ids.token_hash(wanted)) is None:
                report.ignored_bootstrap_token = True
            return
        value = wanted or ids.api_token()
        try:
            await token_store.insert_api_token(
                conn, id=ids.okta_id("00T"), name="bootstrap admin", token_hash=ids.token_hash(value),
                created_at=clock.now_ms(),
            )
        except IntegrityError:
            return
    if not wanted:
        report.printed_api_token = value


async def build_runtime(settings: Settings, clock: Clock | None = None) -> tuple[Runtime, BootstrapReport]:
    clock = clock or (OffsetFileClock(settings.test_clock_file) if settings.test_clock_file else Clock())
    # Half the connections for the hot paths' asyncpg pool, half for SQLAlchemy's.
    half = max(1, settings.db_pool_size // 2)
    db = Database(create_engine(settings.resolved_database_url, pool_size=half, timeout=settings.db_timeout),
                  pool_size=settings.db_pool_size - half, timeout=settings.db_timeout)
    try:
        sealer, report = await ensure_ready(settings, db, clock)
        source = signing_keys.SignerSource(db, sealer, settings, clock)
        signer = await source.load()
    except BaseException:
        await db.dispose()
        raise
    passwords = Passwords(settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism)
    shared = SharedState(settings.redis_url, settings.redis_prefix) if settings.redis_url else None
    rt = Runtime(settings=settings, db=db, sealer=sealer, signer=signer, passwords=passwords, clock=clock,
                 signer_source=source, shared=shared)
    return rt, report
