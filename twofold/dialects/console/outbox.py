"""Reports › Outbox: the development provider's messages (delivery.outbox) whose code still
lives: channel, recipient, time and text, so a flow can be finished on a laptop without an SMS
gateway or a mail server. With every channel delivered by a real provider the page says so
and lists nothing. The codes are live secrets: the page is never cached (Cache-Control:
no-store, as every console page)."""
from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from ...delivery.outbox import Outbox, messages
from .channel_authenticators import CHANNEL_NAMES
from .web import PREFIX, Console, console_page, when

router = APIRouter()
SECTION = "outbox"


@router.get(PREFIX + "/reports/outbox")
@console_page(SECTION)
async def outbox(c: Console) -> Response:
    s = c.rt.settings  # the configured names: building a provider here could fail for a reason of its own
    providers = {"sms": s.sms_provider, "voice": s.voice_provider or s.sms_provider, "email": s.email_provider}
    kept = [channel for channel, name in providers.items() if name == Outbox.name]
    rows = await messages(c.rt.db, c.rt.now_ms()) if kept else []
    shown = [{"channel": CHANNEL_NAMES.get(r.channel, r.channel), "recipient": r.recipient, "sent": when(r.created_at),
              "expires": when(r.expires_at), "subject": r.subject, "text": r.body} for r in rows]
    return c.page("outbox.html", section=SECTION, title="Outbox", messages=shown, providers=providers,
                  kept=[CHANNEL_NAMES[ch] for ch in kept], channel_names=CHANNEL_NAMES)
