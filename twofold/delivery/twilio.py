"""SMS and voice through Twilio's REST API (TWOFOLD_SMS_PROVIDER=twilio): an SMS is a Message
resource (POST …/2010-04-01/Accounts/{sid}/Messages.json, form-encoded To, From, Body), a call
is a Call resource (POST …/Calls.json) whose inline `Twiml` says the text. HTTP Basic auth with
the account SID and auth token. Twilio answers 201; any 2xx is a delivery, anything else (an
error status, a timeout, a refused connection) is DeliveryFailed, whose text names neither the
code, the number nor the token."""
from __future__ import annotations

import base64
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from . import DeliveryFailed, Message
from .http import HttpClient, post

API_VERSION = "2010-04-01"


def twiml(text: str) -> str:
    """What a call says: the text, XML-escaped, in one <Say>."""
    return f"<Response><Say>{escape(text)}</Say></Response>"


class Twilio:
    name = "twilio"

    def __init__(self, api_url: str, account_sid: str, auth_token: str, sender: str, timeout: float) -> None:
        self._account = f"{api_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}"
        basic = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
        self._sender, self._timeout = sender, timeout
        self._client = HttpClient()

    def request_of(self, message: Message) -> tuple[str, dict[str, str]]:
        """(resource URL, form fields) for `message`."""
        if message.channel == "sms":
            return f"{self._account}/Messages.json", {"To": message.to, "From": self._sender, "Body": message.text}
        if message.channel == "voice":
            return f"{self._account}/Calls.json", {"To": message.to, "From": self._sender, "Twiml": twiml(message.text)}
        raise DeliveryFailed(f"twilio: no {message.channel} channel")

    async def send(self, message: Message) -> None:
        url, form = self.request_of(message)
        await post(self._client, "twilio", url, timeout=self._timeout, body=urlencode(form).encode(),
                   headers=self._headers)
