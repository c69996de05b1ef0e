"""Scenario 6: SMS challenge → verify pairs through the webhook gateway (issue #12).

twofold runs with TWOFOLD_SMS_PROVIDER=webhook pointed at a gateway inside the bench process:
a small asyncio HTTP server whose POST handler reads the code off the message, as a phone
would, and hands it to the worker waiting for that number. Each worker repeatedly takes a user
with an ACTIVE sms factor and plays Okta's Factors API: verify without a passCode (200
`CHALLENGE`, the code sent), then verify with the code it received (200 `SUCCESS`). A pair
counts only when both answers are right. The gateway shares the bench process (and the
cores) with the client; its own CPU is measured and reported beside the server's.
"""
from __future__ import annotations

import asyncio
import collections
import json
import re
import time
from urllib.parse import urlsplit

import httpx

from .run import _client_summary, _free_port, _http_post_form

CODE = re.compile(rb"code is (\d{6})")
# The bench settings of scenario 6: one code per number per 0 s (the default, Okta's, is 30 s:
# a pair per user per 30 s), and budgets that a run does not spend (they are still taken,
# one upsert of three rows per send, as in production).
SMS_ENV_BUDGET = "100000000"


def gateway_env(port: int) -> dict[str, str]:
    return {"TWOFOLD_SMS_PROVIDER": "webhook", "TWOFOLD_SMS_WEBHOOK_URL": f"http://127.0.0.1:{port}/sms",
            "TWOFOLD_SEND_INTERVAL_SECONDS": "0", "TWOFOLD_SEND_MAX_PER_USER": SMS_ENV_BUDGET,
            "TWOFOLD_SEND_MAX_PER_DESTINATION": SMS_ENV_BUDGET, "TWOFOLD_SEND_MAX_PER_COUNTRY": SMS_ENV_BUDGET}


class Gateway:
    """The operator's SMS webhook: POST {"channel", "to", "body"} → 200. A code for a number
    someone waits for wakes that waiter; any other is kept as the number's newest code."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.waiting: dict[str, asyncio.Future] = {}
        self.newest: dict[str, str] = {}
        self.received = 0
        self.cpu_s = 0.0  # the handler's own CPU (thread time), parsing and answering
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> Gateway:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, backlog=256)
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        await self._server.wait_closed()

    def expect(self, number: str) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.waiting[number] = fut
        return fut

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                t0 = time.thread_time()
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                self.cpu_s += time.thread_time() - t0
                body = await reader.readexactly(length)
                t0 = time.thread_time()
                self._received(body)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                self.cpu_s += time.thread_time() - t0
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # twofold closed its keep-alive connection, or the run ended (asyncio.run cancels)
        finally:
            writer.close()

    def _received(self, body: bytes) -> None:
        self.received += 1
        message = json.loads(body)
        found = CODE.search(message["body"].encode())
        if message.get("channel") != "sms" or found is None:
            return
        code, number = found.group(1).decode(), message["to"]
        fut = self.waiting.pop(number, None)
        if fut is not None and not fut.done():
            fut.set_result(code)
        else:
            self.newest[number] = code


async def sms_pairs(base: str, token: str, users, connections: int, seconds: float, gateway: Gateway) -> dict:
    """Pairs for `seconds`: each worker takes the next user (a user is with one worker at a
    time, so the code it waits for is the one its challenge sent), sends the challenge, waits
    for the code at the gateway, and verifies it."""
    netloc = urlsplit(base).netloc
    host, _, port = netloc.rpartition(":")
    headers = f"Authorization: SSWS {token}\r\nContent-Type: application/json\r\n".encode()
    queue = collections.deque(users)
    latencies, challenge_ms, verify_ms = [], [], []
    counts = collections.Counter()
    # Each user's last verified code, while it is still the factor's newest challenge (a later
    # challenge would make it a wrong code, not a replay): the replay check's sample.
    last_used: dict[str, tuple] = {}
    deadline = time.perf_counter() + seconds

    async def pair(reader, writer, u) -> None:
        path = f"/api/v1/users/{u.user_id}/factors/{u.factor_id}/verify"
        last_used.pop(u.user_id, None)
        code_future = gateway.expect(u.phone)
        t0 = time.perf_counter()
        status, body = await _http_post_form(reader, writer, netloc, path, b"{}", headers)
        t1 = time.perf_counter()
        if status != 200 or json.loads(body).get("factorResult") != "CHALLENGE":
            counts[f"challenge {status}"] += 1
            gateway.waiting.pop(u.phone, None)
            return
        if not code_future.done():
            counts["code after the answer"] += 1  # the server answers after the provider: never expected
        try:
            code = await asyncio.wait_for(code_future, 5)
        except TimeoutError:
            counts["no code at the gateway"] += 1
            return
        t2 = time.perf_counter()
        status, body = await _http_post_form(reader, writer, netloc, path, json.dumps({"passCode": code}).encode(),
                                             headers)
        t3 = time.perf_counter()
        if status != 200 or json.loads(body).get("factorResult") != "SUCCESS":
            counts[f"verify {status}"] += 1
            return
        counts["ok"] += 1
        latencies.append(t3 - t0)
        challenge_ms.append(t1 - t0)
        verify_ms.append(t3 - t2)
        last_used[u.user_id] = (u, code)

    async def worker():
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline and queue:
                u = queue.popleft()
                try:
                    await pair(reader, writer, u)
                finally:
                    queue.append(u)
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - t0
    errors = sum(v for k, v in counts.items() if k != "ok")
    out = _client_summary(latencies, counts["ok"], errors, elapsed)
    out["error_kinds"] = {k: v for k, v in counts.items() if k != "ok"}
    for name, values in (("challenge", challenge_ms), ("verify", verify_ms)):
        values.sort()
        if values:
            out[f"{name}_p50_ms"] = round(values[len(values) // 2] * 1000, 3)
            out[f"{name}_p99_ms"] = round(values[min(len(values) - 1, int(0.99 * len(values)))] * 1000, 3)
    out["gateway_messages"] = gateway.received
    out["gateway_cpu_s"] = round(gateway.cpu_s, 3)
    out["_used"] = list(last_used.values())[:100]
    return out


def replay_check(base: str, token: str, used) -> dict:
    """Security under load: a code that verified must be refused when sent again (Okta's
    E0000082: each code is accepted once, R1)."""
    answers: dict[str, int] = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"SSWS {token}"}) as c:
        for u, code in used:
            r = c.post(f"/api/v1/users/{u.user_id}/factors/{u.factor_id}/verify", json={"passCode": code})
            key = f"{r.status_code} {r.json().get('errorCode', '') if r.status_code != 200 else ''}".strip()
            answers[key] = answers.get(key, 0) + 1
    return {"sampled": len(used), "refused": answers.get("403 E0000082", 0), "answers": answers}


async def _scenario(base: str, token: str, users, connections: int, seconds: float, port: int) -> dict:
    async with Gateway(port) as gateway:
        return await sms_pairs(base, token, users, connections, seconds, gateway)


def reserve_port() -> int:
    return _free_port()


def run(deployment, users, connections: int, seconds: float, port: int, measured) -> tuple[dict, dict]:
    """(the scenario's result with server CPU, the replay check)."""
    import os

    from . import procstats

    bench_before = procstats.cpu_seconds(os.getpid())
    result = measured(deployment.pids, lambda: asyncio.run(
        _scenario(deployment.server.base, deployment.token, users, connections, seconds, port)))
    result["bench_process_cpu_s"] = round(procstats.cpu_seconds(os.getpid()) - bench_before, 2)
    used = result.pop("_used")
    if result["ok"]:
        cpu = sum(result["server_cpu_s"].values())
        result["server_cpu_ms_per_pair"] = round(cpu / result["ok"] * 1000, 3)
        result["postgres_cpu_ms_per_pair"] = round(result["postgres_cpu_s"] / result["ok"] * 1000, 3)
    return result, replay_check(deployment.server.base, deployment.token, used)
