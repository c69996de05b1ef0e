"""Okta's API Tokens API over HTTP, on SQLite and PostgreSQL: list and get (metadata, never a
token's value), revoke by id and `current` (204), a revoked token refused at once (401 E0000011)
although it was just used (the per-process cache), and the System Log's api_token events. The
server is shared by every test module: the bootstrap token (`api.ssws`) is never revoked; tokens
to revoke are made with `twofold tokens create` against the server's database."""
from __future__ import annotations

import re
import secrets
import subprocess
import sys

from ..support import okta_error

import pytest

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _new_token(server, name: str) -> str:
    """A token made the way an operator makes one: the CLI on the server's database."""
    r = subprocess.run([sys.executable, "-m", "twofold", "tokens", "create", "--name", name], env=server.env,
                       cwd=str(server.data_dir), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("00") and len(token) == 42
    return token


def _ssws(token: str) -> dict:
    return {"Authorization": f"SSWS {token}"}


def _listed(api, headers=None) -> list[dict]:
    r = api.http.get("/api/v1/api-tokens", headers=headers or api.ssws)
    assert r.status_code == 200, r.text
    return r.json()


def _by_name(api, name: str) -> dict:
    (token,) = [t for t in _listed(api) if t["name"] == name]
    return token


def _log_events(api, event_type: str, token_id: str) -> list[dict]:
    r = api.http.get("/api/v1/logs", headers=api.ssws,
                     params={"filter": f'eventType eq "{event_type}"', "q": token_id})
    assert r.status_code == 200, r.text
    return r.json()


def _bootstrap_id(api) -> str:
    (boot,) = [t for t in _listed(api) if t["name"] == "bootstrap admin"]
    return boot["id"]


def test_list_and_get_show_metadata_never_the_value(api, server):
    from okta.models.api_token import ApiToken

    name = "list-" + secrets.token_hex(4)
    value = _new_token(server, name)
    r = api.http.get("/api/v1/api-tokens", headers=api.ssws)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert value not in r.text and api.api_token not in r.text
    assert r.headers.get("X-Rate-Limit-Limit")
    listed = r.json()
    assert {"bootstrap admin", name} <= {t["name"] for t in listed}
    token = _by_name(api, name)
    assert re.fullmatch(r"00T[0-9A-Za-z]{17}", token["id"])
    assert token["clientName"] == "Okta API" and token["network"] == {"connection": "ANYWHERE"}
    assert token["userId"] is None and token["tokenWindow"] is None and "expiresAt" not in token
    assert ISO_MS.match(token["created"]) and token["lastUpdated"] == token["created"]
    href = f"{server.issuer}api/v1/api-tokens/{token['id']}"
    assert token["_links"] == {"self": {"href": href, "hints": {"allow": ["GET", "DELETE"]}}}
    for item in listed:
        assert set(item) == set(token)
        assert ApiToken.from_dict(item).id == item["id"]  # the Okta SDK reads them

    r = api.http.get(f"/api/v1/api-tokens/{token['id']}", headers=api.ssws)
    assert r.status_code == 200 and r.json() == token and value not in r.text
    # the new token works and sees the same list
    assert {t["id"] for t in _listed(api, _ssws(value))} == {t["id"] for t in listed}
    # its creation is in the System Log
    (created,) = _log_events(api, "system.api_token.create", token["id"])
    assert created["target"] == [{"id": token["id"], "type": "Token", "alternateId": token["id"], "displayName": name}]
    assert created["actor"]["type"] == "SystemPrincipal"


def test_revoked_token_is_refused_at_once(api, server):
    name = "revoke-" + secrets.token_hex(4)
    value = _new_token(server, name)
    token_id = _by_name(api, name)["id"]
    assert api.http.get("/api/v1/users?limit=1", headers=_ssws(value)).status_code == 200  # now cached
    r = api.http.delete(f"/api/v1/api-tokens/{token_id}", headers=api.ssws)
    assert r.status_code == 204 and r.content == b""
    # refused right away on every management endpoint, though this process had just accepted it
    for path in ("/api/v1/users?limit=1", "/api/v1/api-tokens", "/api/v1/logs"):
        body = okta_error(api.http.get(path, headers=_ssws(value)), 401, "E0000011")
        assert body["errorSummary"] == "Invalid token provided"
    assert name not in {t["name"] for t in _listed(api)}
    okta_error(api.http.get(f"/api/v1/api-tokens/{token_id}", headers=api.ssws), 404, "E0000007")
    okta_error(api.http.delete(f"/api/v1/api-tokens/{token_id}", headers=api.ssws), 404, "E0000007")
    assert _listed(api)  # the caller's token still works

    (revoked,) = _log_events(api, "system.api_token.revoke", token_id)
    assert revoked["actor"]["type"] == "SystemPrincipal" and revoked["outcome"]["result"] == "SUCCESS"
    assert revoked["target"] == [{"id": token_id, "type": "Token", "alternateId": token_id, "displayName": name}]
    assert revoked["transaction"]["detail"] == {"requestApiTokenId": _bootstrap_id(api)}
    assert revoked["client"]["ipAddress"] == "127.0.0.1"
    assert value not in str(revoked)


def test_revoke_current_revokes_the_callers_token(api, server):
    name = "current-" + secrets.token_hex(4)
    value = _new_token(server, name)
    other = _new_token(server, "other-" + secrets.token_hex(4))
    token_id = _by_name(api, name)["id"]
    assert _listed(api, _ssws(value))
    r = api.http.delete("/api/v1/api-tokens/current", headers=_ssws(value))
    assert r.status_code == 204, r.text
    okta_error(api.http.get("/api/v1/api-tokens", headers=_ssws(value)), 401, "E0000011")
    okta_error(api.http.delete("/api/v1/api-tokens/current", headers=_ssws(value)), 401, "E0000011")
    # only that one: the others still work
    assert _listed(api, _ssws(other)) and _listed(api)
    assert name not in {t["name"] for t in _listed(api)}
    (revoked,) = _log_events(api, "system.api_token.revoke", token_id)
    assert revoked["transaction"]["detail"] == {"requestApiTokenId": token_id}


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/api-tokens"), ("GET", "/api/v1/api-tokens/00T0000000000000000x"),
    ("DELETE", "/api/v1/api-tokens/00T0000000000000000x"), ("DELETE", "/api/v1/api-tokens/current"),
])
def test_without_a_token_is_401_E0000011(api, method, path):
    okta_error(api.http.request(method, path), 401, "E0000011")
    okta_error(api.http.request(method, path, headers=_ssws("00" + "x" * 40)), 401, "E0000011")


def test_unknown_token_is_404_E0000007(api):
    body = okta_error(api.http.get("/api/v1/api-tokens/00TNoSuchToken000000", headers=api.ssws), 404, "E0000007")
    assert "00TNoSuchToken000000" in body["errorSummary"]
    okta_error(api.http.delete("/api/v1/api-tokens/00TNoSuchToken000000", headers=api.ssws), 404, "E0000007")
