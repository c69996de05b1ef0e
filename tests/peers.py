"""Real peers for the delivery providers, started by the tests: an HTTP gateway that plays an
operator's SMS webhook and Twilio's REST API, and an SMTP server (aiosmtpd). Each records what
it received, and a test reads the code off the message as a phone or an inbox would. The
gateway can be told to fail (a status), to be slow (a delay, or an answer that drips in) or to
be down (nothing listening on its port), so the failure paths run against a real socket too."""
from __future__ import annotations

import base64
import contextlib
import datetime
import email
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

WEBHOOK_PATH = "/sms-webhook"
CODE = re.compile(r"code is ([\d, ]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def code_in(text: str) -> str:
    """The code a person reads (or hears, digit by digit) in a message."""
    found = CODE.search(text)
    assert found, f"no code in {text!r}"
    return re.sub(r"\D", "", found.group(1))


@dataclass(frozen=True)
class Request:
    """One HTTP request as the gateway received it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def role(self) -> str:
        """webhook | twilio-sms | twilio-call | other."""
        if self.path == WEBHOOK_PATH:
            return "webhook"
        if self.path.endswith("/Messages.json"):
            return "twilio-sms"
        if self.path.endswith("/Calls.json"):
            return "twilio-call"
        return "other"

    def json(self) -> dict:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True, strict_parsing=True))

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user, password

    @property
    def to(self) -> str:
        return self.json()["to"] if self.role == "webhook" else self.form()["To"]

    @property
    def text(self) -> str:
        """What the phone shows, or what the call says."""
        if self.role == "webhook":
            return self.json()["body"]
        form = self.form()
        if self.role == "twilio-call":
            return "".join(ElementTree.fromstring(form["Twiml"]).find("Say").itertext())
        return form["Body"]


class Gateway:
    """An HTTP server in a thread. POST {WEBHOOK_PATH} is the operator's SMS webhook; POST
    /2010-04-01/Accounts/{sid}/Messages.json and …/Calls.json are Twilio's resources, which,
    as Twilio does, answer 401 to wrong Basic credentials and 201 with the resource otherwise."""

    def __init__(self, twilio_account: tuple[str, str] | None = None) -> None:
        self.twilio_account = twilio_account
        self.received: list[Request] = []
        self.status: int | None = None  # answer this instead of the role's success
        self.delay = 0.0  # seconds before answering
        self.drip = 0.0  # seconds the answer's body takes, a byte at a time
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return self.url + WEBHOOK_PATH

    def start(self) -> Gateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                gateway.received.append(request)
                if gateway.delay:
                    time.sleep(gateway.delay)
                status, answer = gateway._answer(request)
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if gateway.drip:  # byte by byte: each read is quick, the whole answer is not
                        for i in range(len(payload)):
                            self.wfile.write(payload[i:i + 1])
                            self.wfile.flush()
                            time.sleep(gateway.drip / len(payload))
                    else:
                        self.wfile.write(payload)
                except OSError:  # a slow answer's caller has gone
                    pass

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextlib.contextmanager
    def down(self):
        """Nothing listens on the gateway's port meanwhile: a connection is refused."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    @contextlib.contextmanager
    def answering(self, status: int | None = None, delay: float = 0.0, drip: float = 0.0):
        self.status, self.delay, self.drip = status, delay, drip
        try:
            yield
        finally:
            self.status, self.delay, self.drip = None, 0.0, 0.0

    def _answer(self, request: Request) -> tuple[int, dict]:
        if self.status is not None:
            return self.status, {"message": "gateway told to fail"}
        if request.role == "webhook":
            return 200, {"accepted": True}
        if request.role.startswith("twilio"):
            sid, token = self.twilio_account or ("", "")
            if request.basic_auth() != (sid, token) or f"/Accounts/{sid}/" not in request.path:
                return 401, {"code": 20003, "message": "Authenticate", "status": 401}
            prefix = "SM" if request.role == "twilio-sms" else "CA"
            return 201, {"sid": prefix + "0" * 32, "account_sid": sid, "status": "queued"}
        return 404, {"message": "not found"}

    def sent_to(self, to: str) -> list[Request]:
        return [r for r in self.received if r.role != "other" and r.to == to]

    def code_sent_to(self, to: str) -> str:
        found = self.sent_to(to)
        assert found, f"nothing was sent to {to}"
        return code_in(found[-1].text)


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None  # the AUTH user, if the client signed in
    over_tls: bool

    def part(self, content_type: str) -> str:
        found = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert found is not None and found.get_content_type() == content_type, f"no {content_type} part"
        return found.get_content()


@dataclass
class _Recorder:
    mails: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        over_tls = server.transport.get_extra_info("ssl_object") is not None
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message, login, over_tls))
        return "250 Message accepted for delivery"


class SmtpPeer:
    """aiosmtpd on a free port in its own thread. `tls`: none, starttls (required; AUTH too
    when credentials are given) or tls (TLS from the first byte), with `certificate`."""

    def __init__(self, tls: str = "none", certificate: Certificate | None = None,
                 credentials: tuple[str, str] | None = None) -> None:
        self._recorder = _Recorder()
        self.host, self.tls = "127.0.0.1", tls
        kwargs: dict = {}
        if tls != "none":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate.cert_file, certificate.key_file)
            kwargs = {"ssl_context": context} if tls == "tls" else {"tls_context": context, "require_starttls": True}
        if credentials is not None:
            def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
                ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(),
                                                               auth_data.password.decode()) == credentials
                # Not handled here: aiosmtpd answers 235 or 535 and keeps auth_data (the login).
                return AuthResult(success=ok, handled=False, auth_data=auth_data)

            # Over implicit TLS aiosmtpd does not know the session is encrypted: AUTH is
            # allowed there by saying so.
            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls == "starttls")
        self.port = free_port()  # aiosmtpd checks it is up by connecting to its port: not 0
        self._controller = Controller(self._recorder, hostname=self.host, port=self.port, **kwargs)

    @property
    def mails(self) -> list[Mail]:
        return self._recorder.mails

    def start(self) -> SmtpPeer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def mail_to(self, address: str) -> Mail:
        found = [m for m in self.mails if address in m.rcpt_tos]
        assert found, f"no mail to {address}"
        return found[-1]

    def code_sent_to(self, address: str) -> str:
        return code_in(self.mail_to(address).part("text/plain"))


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path


def self_signed_certificate(directory: Path) -> Certificate:
    """A certificate for 127.0.0.1 and localhost; trusted by a client given it as its CA
    bundle (SSL_CERT_FILE)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "twofold test SMTP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Certificate(cert_file, key_file)
