"""R19: an administrator regenerates a user's recovery code through Auth0's Management API shape,
`POST /api/v2/users/{id}/recovery-code-regeneration`, with a client-credentials token for
`<issuer>api/v2/` carrying `update:users` (or twofold's admin API token). The old code stops
working, the new one works once through the real `mfa-recovery-code` grant, parallel
regenerations leave exactly one working code, refusals have the Management API's shape, and the
audit row holds no code. Real server processes, SQLite and PostgreSQL."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from ..support import MFA_RECOVERY, db_rows, fresh_code, parallel
from .jwt_helpers import claims_of, no_store

EVENT = "factor.recovery_code.regenerate"


@pytest.fixture(scope="module")
def mgmt(backend, server, make_server):
    """A server that grants one client the Management API (TWOFOLD_MANAGEMENT_API_CLIENTS; the
    client must exist first, so it is made through the session's server on the same database).
    Its MFA limit is raised so that one user may try the twenty codes of the parallel test."""
    granted = server.api().create_client(grant_types=["client_credentials"])
    srv = make_server(backend, share_with=server, extra_env={
        "TWOFOLD_MANAGEMENT_API_CLIENTS": granted["client_id"], "TWOFOLD_MFA_MAX_FAILURES": "50"})
    return srv, granted


@pytest.fixture
def api(mgmt):
    return mgmt[0].api()


@pytest.fixture
def granted(mgmt) -> dict:
    return mgmt[1]


def _management_token(api, client: dict, **params) -> str:
    r = api.token(client, grant_type="client_credentials", audience=api.issuer + "api/v2/", **params)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _regenerate(api, user_id: str, headers: dict):
    return api.http.post(f"/api/v2/users/{quote(user_id, safe='')}/recovery-code-regeneration", headers=headers)


def _recover(api, client: dict, user: dict, code: str):
    """The real flow: password → mfa_required → the mfa-recovery-code grant."""
    return api.token(client, grant_type=MFA_RECOVERY, mfa_token=api.mfa_token(client, user), recovery_code=code)


def _refused_code(r) -> None:
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "invalid_grant", "error_description": "Invalid recovery_code."}


def _management_error(r, status: int, error: str, message: str, error_code: str | None = None) -> None:
    expected = {"statusCode": status, "error": error, "message": message}
    if error_code:
        expected["errorCode"] = error_code
    assert (r.status_code, r.json()) == (status, expected), r.text
    assert no_store(r)


# --- the code changes hands -----------------------------------------------------------------------


def test_the_old_code_stops_working_and_the_new_one_works_once(api, granted):
    client = api.create_client()
    user = api.enrolled_user(client)
    old = user["recovery_code"]
    r = _regenerate(api, user["id"], _bearer(_management_token(api, granted, scope="update:users")))
    assert r.status_code == 200, r.text
    assert no_store(r) and set(r.json()) == {"recovery_code"}
    new = r.json()["recovery_code"]
    assert len(new) == 24 and new != old
    _refused_code(_recover(api, client, user, old))
    used = _recover(api, client, user, new)
    assert used.status_code == 200, used.text
    assert used.json()["recovery_code"] not in (old, new)  # used, so replaced (R17)
    _refused_code(_recover(api, client, user, new))


def test_an_admin_api_token_regenerates_too_and_a_login_names_the_user(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    r = _regenerate(api, user["login"], api.ssws)
    assert r.status_code == 200, r.text
    _refused_code(_recover(api, client, user, user["recovery_code"]))
    assert _recover(api, client, user, r.json()["recovery_code"]).status_code == 200


def test_parallel_regenerations_leave_exactly_one_working_code(api, granted, mgmt):
    """Twenty at once: each answers a code, and of those codes (and the original) exactly one
    works afterwards: each regeneration replaced precisely the code it read (compare-and-set
    under the user's lock), so none returned a code that was never stored or that was stored
    beside another."""
    client = api.create_client()
    user = api.enrolled_user(client)
    headers = _bearer(_management_token(api, granted))
    answers = parallel(lambda _: _regenerate(api, user["id"], headers), 20)
    assert [r.status_code for r in answers] == [200] * 20, [r.text for r in answers if r.status_code != 200]
    codes = [r.json()["recovery_code"] for r in answers]
    assert len(set(codes)) == 20
    results = [_recover(api, client, user, code) for code in [user["recovery_code"], *codes]]
    worked = [r for r in results if r.status_code == 200]
    assert len(worked) == 1, [r.status_code for r in results]
    for r in results:
        if r.status_code != 200:
            _refused_code(r)
    rows = db_rows(mgmt[0], f"SELECT COUNT(*) FROM audit_events WHERE user_id = '{user['id']}' "
                            f"AND event_type = '{EVENT}' AND outcome = 'SUCCESS'")
    assert int(rows[0][0]) == 20


# --- who may call ---------------------------------------------------------------------------------


def test_missing_or_invalid_credentials_are_401(api, granted):
    user = api.create_user()
    _management_error(_regenerate(api, user["id"], {}), 401, "Unauthorized", "Missing authentication")
    _management_error(_regenerate(api, user["id"], {"Authorization": "Basic Zm9vOmJhcg=="}), 401, "Unauthorized",
                      "Bad HTTP authentication header format")
    for headers in (_bearer("garbage"), {"Authorization": "SSWS 00" + "x" * 40}):
        _management_error(_regenerate(api, user["id"], headers), 401, "Unauthorized", "Invalid token")
    # A valid token of this server for another audience, with the scope's name, is no key here.
    r = api.token(granted, grant_type="client_credentials", audience="https://api.example.com/", scope="update:users")
    assert r.status_code == 200, r.text
    _management_error(_regenerate(api, user["id"], _bearer(r.json()["access_token"])), 401, "Unauthorized",
                      "Invalid token")


def test_a_users_token_for_the_management_audience_has_no_update_users(api):
    """A user's grant may name the audience and the scope: the scope is never granted, so the
    token is refused with Auth0's 403 insufficient_scope."""
    client = api.create_client()
    user = api.enrolled_user(client, audience=api.issuer + "api/v2/", scope="openid update:users")
    token = user["tokens"]["access_token"]
    assert "update:users" not in claims_of(token)["scope"].split()
    _management_error(_regenerate(api, user["id"], _bearer(token)), 403, "Forbidden",
                      "Insufficient scope, expected any of: update:users", "insufficient_scope")
    # The MFA API's token of the same user is for another audience.
    mfa = api.enrolled_user(client, audience=api.issuer + "mfa/", scope="enroll")
    _management_error(_regenerate(api, mfa["id"], _bearer(mfa["tokens"]["access_token"])), 401, "Unauthorized",
                      "Invalid token")


def test_only_a_granted_client_gets_a_management_token_and_only_its_scopes(api, granted):
    audience = api.issuer + "api/v2/"
    other = api.create_client(grant_types=["client_credentials"])
    r = api.token(other, grant_type="client_credentials", audience=audience, scope="update:users")
    assert (r.status_code, r.json()) == (403, {"error": "access_denied", "error_description": (
        f'Client is not authorized to access "{audience}". You need to create a "client-grant" associated to this '
        "API (twofold: TWOFOLD_MANAGEMENT_API_CLIENTS).")}), r.text
    r = api.token(granted, grant_type="client_credentials", audience=audience, scope="update:users read:users")
    assert (r.status_code, r.json()) == (403, {"error": "access_denied",
                                               "error_description": "Client has not been granted scopes: read:users"})
    r = api.token(granted, grant_type="client_credentials", audience=audience)  # no scope: all it was granted
    assert r.status_code == 200 and r.json()["scope"] == "update:users", r.text
    claims = claims_of(r.json()["access_token"])
    assert claims["aud"] == audience and claims["gty"] == "client-credentials"


# --- whom, and what is refused --------------------------------------------------------------------


def test_unknown_user_bad_id_and_no_recovery_code(api, granted):
    headers = _bearer(_management_token(api, granted))
    _management_error(_regenerate(api, "00u" + "x" * 17, headers), 404, "Not Found", "The user does not exist.",
                      "inexistent_user")
    _management_error(_regenerate(api, "x" * 321, headers), 400, "Bad Request",
                      "Path validation error: 'String is too long (321 chars), maximum 320' on property id "
                      "(ID of the user to regenerate a multi-factor authentication recovery code for).", "invalid_uri")
    no_code = "The user has no recovery code to regenerate."
    _management_error(_regenerate(api, api.create_user()["id"], headers), 404, "Not Found", no_code,
                      "inexistent_recovery_code")
    # Mid-association the code is not active yet: nothing is regenerated, and the code the
    # association issued still becomes the user's with the first OTP code.
    client = api.create_client()
    user = api.create_user()
    mfa_token = api.mfa_token(client, user)
    assoc = api.associate(mfa_token)
    assert assoc.status_code == 200, assoc.text
    _management_error(_regenerate(api, user["id"], headers), 404, "Not Found", no_code, "inexistent_recovery_code")
    r = api.mfa_otp(client, mfa_token, fresh_code(assoc.json()["secret"]))
    assert r.status_code == 200, r.text
    assert _recover(api, client, user, assoc.json()["recovery_codes"][0]).status_code == 200


def test_a_deactivated_users_code_can_be_regenerated(api, granted):
    """The documented choice: the user's status does not matter (the code works only once the
    user may sign in again); the act is audited like any other."""
    client = api.create_client()
    user = api.enrolled_user(client)
    r = api.http.post(f"/api/v1/users/{user['id']}/lifecycle/deactivate", headers=api.ssws)
    assert r.status_code == 200, r.text
    r = _regenerate(api, user["id"], _bearer(_management_token(api, granted)))
    assert r.status_code == 200 and len(r.json()["recovery_code"]) == 24, r.text


def test_other_paths_and_methods_answer_in_the_management_shape(api):
    user = api.create_user()
    r = api.http.get(f"/api/v2/users/{user['id']}/recovery-code-regeneration", headers=api.ssws)
    _management_error(r, 405, "Method Not Allowed", "Method Not Allowed")
    _management_error(api.http.get("/api/v2/users", headers=api.ssws), 404, "Not Found", "Not Found")


# --- what is kept ---------------------------------------------------------------------------------


def test_the_audit_rows_name_the_act_and_the_caller_never_the_code(api, granted, mgmt):
    client = api.create_client()
    user = api.enrolled_user(client)
    by_token = _regenerate(api, user["id"], _bearer(_management_token(api, granted))).json()["recovery_code"]
    by_admin = _regenerate(api, user["id"], api.ssws).json()["recovery_code"]
    rows = db_rows(mgmt[0], "SELECT event_type, outcome, user_id, client_id, factor_id, reason, detail, ip, user_agent "
                            f"FROM audit_events WHERE user_id = '{user['id']}' AND event_type = '{EVENT}' ORDER BY at")
    assert len(rows) == 2, rows
    assert [r[3] or None for r in rows] == [granted["client_id"], None]
    assert rows[0][4] and rows[0][4] == rows[1][4]  # the recovery-code factor
    assert "requestApiTokenId" in json.loads(rows[1][6])
    everything = " ".join(str(v) for row in db_rows(mgmt[0], "SELECT * FROM audit_events") for v in row)
    for code in (by_token, by_admin):
        assert code not in everything
        assert code not in mgmt[0].log_text()
    r = api.http.get("/api/v1/logs", params={"filter": f'eventType eq "{EVENT}"'}, headers=api.ssws)
    assert r.status_code == 200, r.text
    assert user["id"] in {t["id"] for event in r.json() for t in event.get("target") or []}, r.json()
