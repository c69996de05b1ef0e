"""SMS and voice through an HTTP gateway of the operator's (TWOFOLD_SMS_PROVIDER=webhook): a
POST of JSON {"channel", "to", "body"} to TWOFOLD_SMS_WEBHOOK_URL, signed when
TWOFOLD_SMS_WEBHOOK_SECRET is set: header X-Twofold-Signature: sha256=<hex HMAC-SHA256 of the
body>, as GitHub signs its webhooks. Any 2xx is a delivery."""
from __future__ import annotations

import hashlib
import hmac
import json

from . import Message
from .http import HttpClient, post

SIGNATURE_HEADER = "X-Twofold-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhook:
    name = "webhook"

    def __init__(self, url: str, secret: str | None, timeout: float) -> None:
        self._url, self._secret, self._timeout = url, secret, timeout
        self._client = HttpClient()

    async def send(self, message: Message) -> None:
        body = json.dumps({"channel": message.channel, "to": message.to, "body": message.text}).encode()
        headers = {"Content-Type": "application/json"}
        if self._secret:
            headers[SIGNATURE_HEADER] = signature(self._secret, body)
        await post(self._client, "webhook", self._url, timeout=self._timeout, body=body, headers=headers)
