"""One POST to an HTTP provider (the webhook, Twilio), as a delivery: any 2xx is delivered;
an error status, a refused or reset connection, or no whole answer within `timeout` seconds
(for the whole exchange: httpx's own timeouts bound each read, not the sum) is DeliveryFailed,
whose text names the provider and the status or the error's type, never the URL, the body or
the credentials."""
from __future__ import annotations

import asyncio

import httpx

from . import DeliveryFailed

async def post(client: httpx.AsyncClient, provider: str, url: str, *, timeout: float, **request) -> None:
    try:
        async with asyncio.timeout(timeout):
            response = await client.post(url, timeout=timeout, **request)
    except (httpx.HTTPError, TimeoutError) as exc:
        failure = f"{provider}: {type(exc).__name__}"
    else:
        if 200 <= response.status_code < 300:
            return
        failure = f"{provider}: HTTP {response.status_code}"
    raise DeliveryFailed(failure)  # outside the handler: the original is not even its __context__
