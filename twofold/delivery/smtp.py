"""Email through an SMTP server (TWOFOLD_EMAIL_PROVIDER=smtp): a multipart/alternative message,
plain text and HTML, built with the standard library's email package and sent with smtplib in
a worker thread (smtplib blocks), TLS as TWOFOLD_SMTP_TLS says: `none`, `starttls` (upgrade
after connecting, the submission port's way) or `tls` (TLS from the first byte, port 465).
Certificates are verified against the system's trust store. Any SMTP error, refusal or timeout
(TWOFOLD_DELIVERY_TIMEOUT, for the whole exchange) is DeliveryFailed, whose text names the
error's type and SMTP reply code only: never the address or the code."""
from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from . import DeliveryFailed, Message

TLS_MODES = ("none", "starttls", "tls")


def mail_of(message: Message, sender: str) -> EmailMessage:
    """The message as mail: From, To, Subject, Date, Message-ID; a text part and its HTML twin."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject or ""
    mail["Date"] = formatdate(usegmt=True)
    # The sender's domain, not socket.getfqdn(): a DNS lookup per message could eat the timeout.
    mail["Message-ID"] = make_msgid(domain=_domain_of(sender))
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(f"<!DOCTYPE html><html><body>{message.html}</body></html>", subtype="html")
    return mail


def _reply_codes(exc: BaseException) -> list[int]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return sorted({code for code, _ in exc.recipients.values()})
    code = getattr(exc, "smtp_code", None)
    return [code] if isinstance(code, int) else []


def _domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


class Smtp:
    name = "smtp"

    def __init__(self, host: str, port: int, username: str | None, password: str | None, tls: str, sender: str,
                 timeout: float) -> None:
        if tls not in TLS_MODES:
            raise ValueError(f"TWOFOLD_SMTP_TLS must be one of {', '.join(TLS_MODES)}")
        self._host, self._port, self._tls = host, port, tls
        self._username, self._password = username, password
        self._sender, self._timeout = sender, timeout
        self._envelope_from = parseaddr(sender)[1]
        self._tls_context = ssl.create_default_context() if tls != "none" else None
        self._helo_name = socket.getfqdn()  # once, at start-up: it may ask the DNS

    async def send(self, message: Message) -> None:
        try:
            mail = mail_of(message, self._sender)
            await asyncio.wait_for(asyncio.to_thread(self._deliver, mail, message.to), self._timeout)
            return
        except (TimeoutError, OSError, ValueError, smtplib.SMTPException) as exc:
            # smtplib's exceptions carry the server's reply (which may quote the recipient): only
            # the type and the reply code are kept.
            failure = f"smtp: {type(exc).__name__}" + "".join(f" {c}" for c in _reply_codes(exc))
        raise DeliveryFailed(failure)  # outside the handler: the original is not even its __context__

    def _deliver(self, mail: EmailMessage, recipient: str) -> None:
        """In a worker thread. The socket timeout bounds each step, so a thread the caller has
        stopped waiting for ends soon after."""
        if self._tls == "tls":
            client = smtplib.SMTP_SSL(self._host, self._port, local_hostname=self._helo_name, timeout=self._timeout,
                                      context=self._tls_context)
        else:
            client = smtplib.SMTP(self._host, self._port, local_hostname=self._helo_name, timeout=self._timeout)
        with client:
            if self._tls == "starttls":
                client.starttls(context=self._tls_context)
            if self._username:
                client.login(self._username, self._password or "")
            client.send_message(mail, from_addr=self._envelope_from, to_addrs=[recipient])
