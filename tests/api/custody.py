"""Helpers for the key and backup tests: the `twofold` command beside a server, a server clock
moved by a file (TWOFOLD_TEST_CLOCK_FILE), tokens checked against a published JWKS, and TOTP
factors enrolled and verified through Okta's Factors API (no password hashing: fast)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
from jwt.algorithms import RSAAlgorithm

from ..support import oathtool_totp

TOTP = "token:software:totp"


def cli(env: dict, *args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twofold", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


class FileClock:
    """The server's clock: the system's plus the offset written in a file it re-reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.set(0)

    def set(self, offset: float) -> None:
        self.path.write_text(str(offset))
        self.offset = offset

    def now(self) -> float:
        return time.time() + self.offset

    @property
    def env(self) -> dict:
        return {"TWOFOLD_TEST_CLOCK_FILE": str(self.path)}


def published_jwks(base_url: str) -> dict:
    """The JWKS a relying party finds: through discovery's jwks_uri."""
    discovery = httpx.get(base_url + "/.well-known/openid-configuration", timeout=10)
    assert discovery.status_code == 200, discovery.text
    r = httpx.get(discovery.json()["jwks_uri"], timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def kids(jwks: dict) -> set[str]:
    return {k["kid"] for k in jwks["keys"]}


def verify_with(jwks: dict, token: str) -> dict:
    """The token's signature against the key its kid names in `jwks` (RS256 only); fails if
    the set lacks the kid. Expiry is the caller's to check: the server's clock is moved."""
    kid = jwt.get_unverified_header(token)["kid"]
    keys = {k["kid"]: k for k in jwks["keys"]}
    assert kid in keys, f"kid {kid} not published ({sorted(keys)})"
    return jwt.decode(token, RSAAlgorithm.from_jwk(json.dumps(keys[kid])), algorithms=["RS256"],
                      options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False})


def wait_for(condition, what: str, seconds: float = 20.0):
    """Poll until `condition()` is truthy: for a server process to re-read its keys (a real
    interval, TWOFOLD_KEY_REFRESH_SECONDS, not a clock reading)."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def enroll_totp(api, clock: FileClock) -> dict:
    """A user with an active TOTP factor (Okta Factors API), activated with the code of the
    server clock's step."""
    user = api.create_user()
    r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                      json={"factorType": TOTP, "provider": "GOOGLE"})
    assert r.status_code == 200, r.text
    factor = r.json()
    secret = factor["_embedded"]["activation"]["sharedSecret"]
    r = api.http.post(factor["_links"]["activate"]["href"], headers=api.ssws,
                      json={"passCode": oathtool_totp(secret, clock.now())})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    return {"user_id": user["id"], "factor_id": factor["id"], "secret": secret, "login": user["login"],
            "password": user["password"]}


def verify_totp(api, factor: dict, clock: FileClock) -> httpx.Response:
    """The factor verified with the code of the server clock's step (move the clock a step on
    between two calls: a code works once, R1)."""
    return api.http.post(f"/api/v1/users/{factor['user_id']}/factors/{factor['factor_id']}/verify",
                         headers=api.ssws, json={"passCode": oathtool_totp(factor["secret"], clock.now())})


def sealed_key_ids(server) -> dict[str, int]:
    """Blobs per master key id, read from the database as an operator would (psql or sqlite3):
    a sealed blob's bytes 2–9 name its key (crypto.sealing)."""
    import sqlite3
    from collections import Counter

    sql = " UNION ALL ".join(f"SELECT substr({col}, 2, 8) FROM {table} WHERE {col} IS NOT NULL"
                             for table, col in (("factors", "secret_sealed"), ("signing_keys", "private_sealed")))
    if server.database_url.startswith("postgresql"):
        out = subprocess.check_output(["psql", server.database_url, "-At", "-c",
                                       f"SELECT encode(k, 'escape') FROM ({sql}) AS s(k)"], text=True)
        found = out.split()
    else:
        with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as db:
            found = [bytes(k).decode() for (k,) in db.execute(sql).fetchall()]
    return dict(Counter(found))
