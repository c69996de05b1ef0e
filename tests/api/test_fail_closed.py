"""R69, fail closed: when Redis (configured) or the database cannot be reached, sign-in and
verification answer 503 in each dialect's own format (Auth0 `server_error`, Okta `E0000009` on
the management API and `temporarily_unavailable` on its OAuth endpoints), never an accept and
never a 500; and they recover by themselves when it is back. The outages are real: a TCP proxy
in front of Redis or PostgreSQL that the test closes (every connection cut) and opens again."""
from __future__ import annotations

import secrets
import time

import httpx
import pytest

from ..conftest import Server, free_port, require_postgres
from ..redis_support import redis_address, redis_env, require_redis, within
from ..support import MFA_OTP, PASSWORD, csrf_of, okta_error, oathtool_totp, okta_token
from ..tcp_proxy import TcpProxy

UNAVAILABLE = "The service is temporarily unavailable. Try again."


def _auth0_503(r: httpx.Response) -> None:
    assert r.status_code == 503, (r.status_code, r.text)
    assert r.json() == {"error": "server_error", "error_description": UNAVAILABLE}
    assert r.headers["retry-after"] == "1"


def _okta_oauth_503(r: httpx.Response) -> None:
    assert r.status_code == 503, (r.status_code, r.text)
    assert r.json() == {"error": "temporarily_unavailable", "error_description": UNAVAILABLE}
    assert r.headers["retry-after"] == "1"


def _okta_503(r: httpx.Response) -> None:
    body = okta_error(r, 503, "E0000009", "Internal Server Error")
    assert body["errorCauses"] == [{"errorSummary": UNAVAILABLE}] and r.headers["retry-after"] == "1"


class World:
    """What a sign-in and a verification need, made while everything is up: clients for each
    dialect, and two users with an active authenticator app (one verified through Okta's
    Factors API, one through Auth0's mfa-otp grant, so that neither's code is a replay)."""

    def __init__(self, server: Server) -> None:
        api = self.api = server.api()
        self.auth0_client = api.create_client()
        self.okta_client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
        self.okta_user, self.verify_href, self.okta_step = self._user_with_totp()
        self.auth0_user, _, self.auth0_step = self._user_with_totp()
        self.mfa_token = api.mfa_token(self.auth0_client, self.auth0_user)

    def _user_with_totp(self) -> tuple[dict, str, int]:
        api = self.api
        user = api.create_user()
        f = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                          json={"factorType": "token:software:totp", "provider": "GOOGLE"}).json()
        secret, step = f["_embedded"]["activation"]["sharedSecret"], int(time.time() // 30)
        r = api.http.post(f["_links"]["activate"]["href"], headers=api.ssws,
                          json={"passCode": oathtool_totp(secret, step * 30)})
        assert r.status_code == 200, r.text
        return {**user, "secret": secret}, f["_links"]["self"]["href"] + "/verify", step

    @staticmethod
    def _code(user: dict, used_step: int) -> str:
        """A right code of a step after the one used (the window takes the next step's)."""
        return oathtool_totp(user["secret"], max(int(time.time() // 30), used_step + 1) * 30)

    # the probes: each returns the answer to a sign-in or a verification
    def auth0_password(self) -> httpx.Response:
        return self.api.password_login(self.auth0_client, self.auth0_user)

    def auth0_otp(self) -> httpx.Response:
        return self.api.mfa_otp(self.auth0_client, self.mfa_token, self._code(self.auth0_user, self.auth0_step))

    def okta_verify(self) -> httpx.Response:
        return self.api.http.post(self.verify_href, headers=self.api.ssws,
                                  json={"passCode": self._code(self.okta_user, self.okta_step)})

    def okta_password(self) -> httpx.Response:
        return okta_token(self.api, "/oauth2/v1/token", self.okta_client, grant_type="password",
                          username=self.okta_user["login"], password=PASSWORD, scope="openid")

    def refused_everywhere(self) -> None:
        """Every probe, a right code included, is 503 in its dialect's format."""
        _auth0_503(self.auth0_password())
        _auth0_503(self.auth0_otp())
        _okta_503(self.okta_verify())
        _okta_oauth_503(self.okta_password())

    def accepted_everywhere(self) -> None:
        """The codes refused during the outage were not spent: the same step's code works now."""
        assert self.okta_verify().json() == {"factorResult": "SUCCESS"}
        r = self.auth0_otp()
        assert r.status_code == 200 and "access_token" in r.json(), r.text
        for r in (self.auth0_password(), self.okta_password()):
            assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text


def _server(tmp_path, database_url: str, env: dict) -> Server:
    return Server("outage", database_url, tmp_path, "00" + secrets.token_urlsafe(30), env)


@pytest.fixture
def redis_proxy():
    require_redis()
    proxy = TcpProxy(*redis_address())
    proxy.port = free_port()  # closed until the test opens it
    yield proxy
    proxy.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_redis_away_means_503_never_an_accept_and_recovery_on_its_own(backend, redis_proxy, tmp_path,
                                                                      pg_database_factory):
    if backend == "postgresql":
        require_postgres()
    url = pg_database_factory() if backend == "postgresql" else f"sqlite:///{tmp_path / 'twofold.db'}"
    srv = _server(tmp_path, url, redis_env(f"redis://127.0.0.1:{redis_proxy.port}/0"))
    try:
        srv.start()  # Redis is away: the server starts all the same
        api = srv.api()
        _okta_503(api.http.get("/api/v1/users?limit=1", headers=api.ssws))
        nobody = {"client_id": "unknown", "client_secret": "x"}
        _auth0_503(api.token(nobody, grant_type="password", username="a@example.com", password=PASSWORD))
        _okta_oauth_503(okta_token(api, "/oauth2/v1/token", nobody, grant_type="password", username="a",
                                   password=PASSWORD))

        redis_proxy.start()
        within(5.0, lambda: api.http.get("/api/v1/users?limit=1", headers=api.ssws).status_code == 200)
        world = World(srv)

        redis_proxy.stop()
        within(2.0, lambda: world.auth0_password().status_code == 503)
        world.refused_everywhere()

        redis_proxy.start()
        within(5.0, lambda: world.auth0_password().status_code == 403)
        world.accepted_everywhere()
        assert "Traceback" not in srv.log_text()
    finally:
        srv.stop()


def _console_signin(srv: Server) -> httpx.Response:
    with httpx.Client(base_url=srv.base_url, headers={"Origin": srv.base_url}, timeout=30) as http:
        page = http.get("/admin/signin")
        assert page.status_code == 200
        return http.post("/admin/signin", data={"csrf": csrf_of(page), "username": "nobody@example.com",
                                                "password": "wrong-password-1", "next": "/admin/"})


def test_postgresql_away_means_503_in_each_dialect_and_recovery_on_its_own(tmp_path, pg_database_factory):
    require_postgres()
    direct = pg_database_factory()
    host_port, database = direct.rsplit("@", 1)[1].split("/", 1)
    host, port = host_port.split(":")
    proxy = TcpProxy(host, int(port)).start()
    url = direct.replace(f"@{host_port}/", f"@127.0.0.1:{proxy.port}/")
    srv = _server(tmp_path, url, {"TWOFOLD_DB_TIMEOUT": "2"})
    try:
        srv.start()
        world = World(srv)
        assert _console_signin(srv).status_code == 401

        proxy.stop()  # every pooled connection is cut, and new ones are refused
        world.refused_everywhere()
        _okta_503(world.api.http.get("/api/v1/users?limit=1", headers=world.api.ssws))
        page = _console_signin(srv)
        assert page.status_code == 503 and "cannot reach its database" in page.text, page.text[:300]

        proxy.start()
        within(10.0, lambda: world.auth0_password().status_code == 403)
        world.accepted_everywhere()
        assert _console_signin(srv).status_code == 401
        assert "the database cannot be reached" in srv.log_text()
    finally:
        srv.stop()
        proxy.stop()
