"""The providers' own HTTP client (delivery/http.py) against a real socket server that answers
the ways HTTP servers do: a kept connection is reused, one the server closed meanwhile is
replaced without losing the request, answers with a chunked body, ending with the connection
or asking to close are read whole, and what is not HTTP is a failure, not a hang."""
from __future__ import annotations

import asyncio
import ssl

import pytest

from twofold.delivery import DeliveryFailed
from twofold.delivery.http import HttpClient, post

from ..peers import self_signed_certificate


class Peer:
    """Answers each request with the next of `answers` (bytes, or None: close without one)."""

    def __init__(self, *answers: bytes | None, close_after_each: bool = False, tls=None) -> None:
        self.answers = list(answers)
        self.tls = tls
        self.requests: list[bytes] = []
        self.connections = 0
        self.close_after_each = close_after_each

    async def __aenter__(self) -> Peer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/sms?x=1"
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()

    async def _serve(self, reader, writer) -> None:
        self.connections += 1
        try:
            while self.answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                self.requests.append(head + await reader.readexactly(length))
                answer = self.answers.pop(0)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def _send(client: HttpClient, peer: Peer, body: bytes = b'{"to": "+1"}') -> None:
    await post(client, "webhook", peer.url, timeout=1.0, body=body, headers={"Content-Type": "application/json"})


async def test_a_kept_connection_serves_the_next_request_and_the_request_is_whole():
    async with Peer(OK, b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", OK) as peer:
        client = HttpClient()
        for _ in range(3):
            await _send(client, peer)
    assert peer.connections == 1 and len(peer.requests) == 3
    first = peer.requests[0]
    assert first.startswith(b"POST /sms?x=1 HTTP/1.1\r\n") and b"\r\nHost: 127.0.0.1:" in first
    assert b"\r\nContent-Type: application/json\r\n" in first and first.endswith(b'\r\n\r\n{"to": "+1"}')


async def test_a_connection_the_server_closed_is_replaced_and_the_message_still_goes():
    async with Peer(OK, OK, close_after_each=True) as peer:
        client = HttpClient()
        await _send(client, peer)
        await asyncio.sleep(0.05)  # the server's close reaches the kept connection
        await _send(client, peer, b'{"n": 2}')
    assert peer.connections == 2 and peer.requests[1].endswith(b'{"n": 2}')


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 204 No Content\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n\r\nthe body ends with the connection",
])
async def test_answers_that_end_the_connection_are_read_and_the_next_request_opens_a_new_one(answer):
    async with Peer(answer, OK, close_after_each=True) as peer:
        client = HttpClient()
        await _send(client, peer)
        await _send(client, peer)
    assert peer.connections == 2


@pytest.mark.parametrize("answer, failure", [
    (b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere/\r\nContent-Length: 0\r\n\r\n", "webhook: HTTP 302"),
    (b"SSH-2.0-OpenSSH_9.2\r\n", "webhook: HttpParserError"),
    (None, "webhook: ConnectionResetError"),
])
async def test_a_redirect_a_peer_that_is_not_http_or_no_answer_is_a_failure(answer, failure):
    async with Peer(answer) as peer:
        with pytest.raises(DeliveryFailed) as failed:
            await _send(HttpClient(), peer)
    assert str(failed.value) == failure


@pytest.fixture
def tls_peer_context(tmp_path):
    cert = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert.cert_file, cert.key_file)
    return cert, context


async def test_https_verifies_the_providers_certificate(tls_peer_context, monkeypatch):
    """Twilio is https: a certificate the system's CAs (here SSL_CERT_FILE) trust delivers over
    a kept connection; one they do not trust is a failure, and nothing is sent."""
    cert, context = tls_peer_context
    async with Peer(OK, tls=context) as peer:
        with pytest.raises(DeliveryFailed) as failed:
            await _send(HttpClient(), peer)
        assert "SSLCertVerificationError" in str(failed.value) and peer.requests == []
    monkeypatch.setenv("SSL_CERT_FILE", str(cert.cert_file))
    async with Peer(OK, OK, tls=context) as peer:
        client = HttpClient()
        await _send(client, peer)
        await _send(client, peer)
    assert len(peer.requests) == 2 and peer.connections == 1
