"""Everything a service needs, built once per process."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..crypto.passwords import Passwords
from ..crypto.sealing import Sealer
from ..crypto.signing import Signer
from ..domain.clock import Clock
from ..store.db import Database
from ..store.shared import SharedState


@dataclass
class RequestMeta:
    """Who is calling, for the audit log (never secrets)."""

    ip: str | None = None
    user_agent: str | None = None
    actor_id: str | None = None  # the administrator acting in the Admin Console


@dataclass
class Runtime:
    settings: Settings
    db: Database
    sealer: Sealer
    signer: Signer
    passwords: Passwords
    clock: Clock = field(default_factory=Clock)
    signer_source: Any = field(default=None, repr=False)  # services.signing_keys.SignerSource: re-reads the keys
    shared: SharedState | None = None  # Redis, when TWOFOLD_REDIS_URL is set
    _providers: dict | None = field(default=None, repr=False)

    async def close(self) -> None:
        if self.shared is not None:
            await self.shared.close()
        await self.db.dispose()

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def provider(self, channel: str):
        """The delivery provider of `channel` (sms | voice | email), built from the settings
        on first use (a provider chosen without its settings fails at start-up: app.py)."""
        if self._providers is None:
            from ..delivery.providers import build

            self._providers = build(self.settings, self.db, self.clock)
        return self._providers[channel]
