"""Where a factor sends its codes (a phone number, an address), shown in full only to an
administrator who asks for it; every listing masks it (domain.contact). Asking is audited:
the row names the administrator, the person and the factor, never the value."""
from __future__ import annotations

from .. import authenticators
from ..domain.errors import NotFound
from ..store import factors as factor_store
from . import audit, users
from .runtime import RequestMeta, Runtime

EVENT = "factor.destination.reveal"


async def reveal(rt: Runtime, user_id: str, factor_id: str, meta: RequestMeta | None) -> str:
    async with rt.db.transaction() as conn:
        user = await users.resolve_or_404(conn, user_id)
        row = next((r for r in await factor_store.for_user(conn, user.id) if r.id == factor_id), None)
        kind = authenticators.get(row.type) if row is not None else None
        value = kind.destination(kind.describe(row)) if kind is not None and kind.channel else None
        if not value:
            raise NotFound(f"{factor_id[:32]} (UserFactor)")
        await audit.record(conn, rt.now_ms(), EVENT, "SUCCESS", meta=meta, user_id=user.id, factor_id=row.id,
                           detail={"type": row.type})
        return value
