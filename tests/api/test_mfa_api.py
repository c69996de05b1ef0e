"""The MFA API: mfa_token, /mfa/associate, /mfa/authenticators, /mfa/challenge
(R35–R39, R44–R46), against a real server on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from ..support import MFA_RECOVERY, fresh_code, two_codes
from .jwt_helpers import claims_of, no_store

ALL_MFA_SCOPES = "enroll read:authenticators remove:authenticators"
# What /mfa/associate can enroll on a fresh org: an app, a phone (SMS, voice), an email address.
ENROLL_ANY = {"enroll": [{"type": "otp"}, {"type": "phone"}, {"type": "email"}]}


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _error(r, status: int, error: str, description: str | None = None) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["error"] == error, body
    if description is not None:
        assert body["error_description"] == description, body
    return body


def _list(api, bearer: str):
    return api.http.get("/mfa/authenticators", headers=_bearer(bearer))


def _delete(api, bearer: str, authenticator_id: str):
    return api.http.delete(f"/mfa/authenticators/{quote(authenticator_id, safe='')}", headers=_bearer(bearer))


def _challenge(api, client: dict, mfa_token: str, **extra):
    return api.http.post("/mfa/challenge", json={"client_id": client["client_id"],
                                                 "client_secret": client["client_secret"],
                                                 "mfa_token": mfa_token, **extra})


@pytest.fixture
def mfa_audience(server) -> str:
    return server.issuer + "mfa/"


# --- the mfa_token ------------------------------------------------------------------------------


def test_mfa_token_is_opaque_and_long(api):
    client, user = api.create_client(), api.create_user()
    tokens = {api.mfa_token(client, user) for _ in range(2)}
    assert len(tokens) == 2
    for t in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", t), t  # ≥ 128 bits of URL-safe Base64 (R44)
        assert "." not in t  # not a JWT: nothing to read inside


def test_mfa_token_is_bound_to_its_client(api):
    a, b = api.create_client(), api.create_client()
    user = api.enrolled_user(a)
    mfa_token = api.mfa_token(a, user)
    _error(api.mfa_otp(b, mfa_token, user["next_code"]), 403, "invalid_grant", "Malformed mfa_token")
    _error(api.token(b, grant_type=MFA_RECOVERY, mfa_token=mfa_token, recovery_code=user["recovery_code"]),
           403, "invalid_grant", "Malformed mfa_token")
    _error(_challenge(api, b, mfa_token, challenge_type="otp"), 403, "invalid_grant", "Malformed mfa_token")
    # Client A's transaction is untouched: the code still completes it.
    r = api.mfa_otp(a, mfa_token, user["next_code"])
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("garbage", ["garbage", "A" * 43, "eyJhbGciOiJub25lIn0.e30.", "x" * 200])
def test_garbage_mfa_token(api, garbage):
    client = api.create_client()
    _error(api.mfa_otp(client, garbage, "123456"), 403, "invalid_grant", "Malformed mfa_token")


def test_mfa_token_is_single_use(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    # enrolled_user's mfa_token was consumed by the confirmation.
    mt = api.mfa_token(client, user)
    r = api.mfa_otp(client, mt, user["next_code"])
    assert r.status_code == 200, r.text
    _error(api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt, recovery_code=user["recovery_code"]),
           403, "expired_token", "mfa_token is expired")


def test_wrong_code_does_not_consume_the_mfa_token(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    mt = api.mfa_token(client, user)
    bad = "000000" if user["next_code"] != "000000" else "111111"
    _error(api.mfa_otp(client, mt, bad), 403, "invalid_grant", "Invalid otp_code.")
    r = api.mfa_otp(client, mt, user["next_code"])
    assert r.status_code == 200, r.text


# --- /mfa/associate ------------------------------------------------------------------------------


def test_associate_with_mfa_token_when_already_enrolled(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    mt = api.mfa_token(client, user)
    r = api.associate(mt)
    _error(r, 403, "access_denied", "User is already enrolled")
    assert no_store(r)
    # The stored factor keeps working, and nothing new was added.
    listed = _list(api, mt).json()
    assert sorted((a["authenticator_type"], a["active"]) for a in listed) == [("otp", True), ("recovery-code", True)]
    r = api.mfa_otp(client, mt, user["next_code"])
    assert r.status_code == 200, r.text


def test_associate_with_access_token_needs_enroll_scope_and_one_otp_per_user(api, mfa_audience):
    client = api.create_client()
    user = api.enrolled_user(client, audience=mfa_audience, scope=ALL_MFA_SCOPES)
    full = user["tokens"]["access_token"]
    assert set(claims_of(full)["scope"].split()) == set(ALL_MFA_SCOPES.split())
    # With `enroll` but an active OTP already: one OTP per user.
    _error(api.associate(full), 403, "access_denied", "User is already enrolled")

    # A second token without `enroll` (nor read:authenticators).
    mt = api.mfa_token(client, user, audience=mfa_audience, scope="remove:authenticators")
    r = api.mfa_otp(client, mt, user["next_code"])
    assert r.status_code == 200, r.text
    narrow = r.json()["access_token"]
    r = api.associate(narrow)
    _error(r, 403, "insufficient_scope")
    assert no_store(r)
    assert "enroll" in r.headers["www-authenticate"]
    r = _list(api, narrow)
    _error(r, 403, "insufficient_scope")
    assert "read:authenticators" in r.headers["www-authenticate"]
    # The full token can still list: one OTP, one recovery code.
    listed = _list(api, full).json()
    assert sorted(a["type"] for a in listed) == ["otp", "recovery-code"]


def test_pending_factor_never_satisfies_mfa_and_reassociation_replaces_it(api):
    client, user = api.create_client(), api.create_user()
    mt1 = api.mfa_token(client, user)
    first = api.associate(mt1).json()
    assert first["recovery_codes"]

    # Associated but never confirmed: still asked to enroll, nothing to challenge.
    r = api.password_login(client, user)
    body = _error(r, 403, "mfa_required")
    assert body["mfa_requirements"] == ENROLL_ANY
    mt2 = body["mfa_token"]
    _error(_challenge(api, client, mt2), 401, "unsupported_challenge_type")
    # The pending recovery code cannot finish a login either.
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt2, recovery_code=first["recovery_codes"][0])
    _error(r, 401, "unsupported_challenge_type")

    # Re-association replaces the pending secret and, none being active, issues recovery codes again.
    second = api.associate(mt2).json()
    assert second["secret"] != first["secret"]
    assert second["recovery_codes"] and second["recovery_codes"] != first["recovery_codes"]
    listed = _list(api, mt2).json()
    assert sorted((a["type"], a["active"]) for a in listed) == [("otp", False), ("recovery-code", False)]

    old_code = fresh_code(first["secret"])
    new_code = fresh_code(second["secret"])
    if old_code != new_code:
        _error(api.mfa_otp(client, mt2, old_code), 403, "invalid_grant", "Invalid otp_code.")
    r = api.mfa_otp(client, mt2, new_code)
    assert r.status_code == 200, r.text

    # Only the second association's recovery code is live.
    mt3 = api.mfa_token(client, user)
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt3, recovery_code=first["recovery_codes"][0])
    _error(r, 403, "invalid_grant", "Invalid recovery_code.")
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt3, recovery_code=second["recovery_codes"][0])
    assert r.status_code == 200, r.text


def test_delete_then_reassociate_issues_a_new_recovery_code(api, mfa_audience):
    client = api.create_client()
    user = api.enrolled_user(client, audience=mfa_audience, scope=ALL_MFA_SCOPES)
    token = user["tokens"]["access_token"]
    otp_id = next(a["id"] for a in _list(api, token).json() if a["type"] == "otp")

    r = _delete(api, token, otp_id)
    assert r.status_code == 204 and r.content == b"", r.text
    # The recovery code means nothing alone: it went with the last OTP.
    assert _list(api, token).json() == []

    # No factor now: the same `enroll` token may associate; a new recovery code comes with it.
    r = api.associate(token)
    assert r.status_code == 200 and no_store(r), r.text
    again = r.json()
    assert again["secret"] != user["secret"]
    assert again["recovery_codes"] and again["recovery_codes"][0] != user["recovery_code"]

    # Confirm with a fresh login (the user has no active factor: enroll again).
    r = api.password_login(client, user)
    body = _error(r, 403, "mfa_required")
    assert body["mfa_requirements"] == ENROLL_ANY
    first, _ = two_codes(again["secret"])
    r = api.mfa_otp(client, body["mfa_token"], first)
    assert r.status_code == 200, r.text

    mt = api.mfa_token(client, user)
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt, recovery_code=user["recovery_code"])
    _error(r, 403, "invalid_grant", "Invalid recovery_code.")
    r = api.token(client, grant_type=MFA_RECOVERY, mfa_token=mt, recovery_code=again["recovery_codes"][0])
    assert r.status_code == 200, r.text


def test_associate_rejects_bad_requests_and_is_always_no_store(api):
    client, user = api.create_client(), api.create_user()
    mt = api.mfa_token(client, user)
    responses = [
        api.http.post("/mfa/associate", json={"authenticator_types": ["otp"]}),  # no bearer
        api.associate("not-a-token"),
        api.http.post("/mfa/associate", headers=_bearer(mt), json={"authenticator_types": ["oob"]}),
        api.http.post("/mfa/associate", headers=_bearer(mt), json={}),
        api.http.post("/mfa/associate", headers={**_bearer(mt), "content-type": "application/json"}, content=b"{"),
    ]
    assert [r.status_code for r in responses] == [401, 401, 400, 400, 400]
    ok = api.associate(mt)
    assert ok.status_code == 200
    for r in responses + [ok]:
        assert no_store(r), (r.status_code, dict(r.headers))


# --- /mfa/authenticators ------------------------------------------------------------------------


def test_delete_authenticator_needs_remove_scope(api, mfa_audience):
    client = api.create_client()
    user = api.enrolled_user(client, audience=mfa_audience, scope="enroll read:authenticators")
    token = user["tokens"]["access_token"]
    listed = _list(api, token).json()
    otp_id = next(a["id"] for a in listed if a["type"] == "otp")
    assert otp_id.startswith("totp|dev_")

    # An access token without remove:authenticators.
    _error(_delete(api, token, otp_id), 403, "insufficient_scope")
    # Only an mfa_token.
    mt = api.mfa_token(client, user)
    _error(_delete(api, mt, otp_id), 403, "insufficient_scope")
    # No bearer at all.
    r = api.http.delete(f"/mfa/authenticators/{quote(otp_id, safe='')}")
    _error(r, 401, "invalid_token")
    # Nothing was removed.
    assert len(_list(api, token).json()) == 2

    mt = api.mfa_token(client, user, audience=mfa_audience, scope="remove:authenticators")
    r = api.mfa_otp(client, mt, user["next_code"])
    assert r.status_code == 200, r.text
    remover = r.json()["access_token"]
    _error(_delete(api, remover, "totp|dev_AAAAAAAAAAAAAAAA"), 404, "invalid_authenticator")
    _error(_delete(api, remover, "nonsense"), 404, "invalid_authenticator")
    # Right device, wrong kind.
    _error(_delete(api, remover, "sms|" + otp_id.split("|", 1)[1]), 404, "invalid_authenticator")
    r = _delete(api, remover, otp_id)
    assert r.status_code == 204, r.text
    assert _list(api, token).json() == []
    # Deleting it again: gone.
    _error(_delete(api, remover, otp_id), 404, "invalid_authenticator")


def test_cannot_delete_another_users_authenticator(api, mfa_audience):
    client = api.create_client()
    alice = api.enrolled_user(client, audience=mfa_audience, scope=ALL_MFA_SCOPES)
    bob = api.enrolled_user(client, audience=mfa_audience, scope=ALL_MFA_SCOPES)
    bob_otp = next(a["id"] for a in _list(api, bob["tokens"]["access_token"]).json() if a["type"] == "otp")
    _error(_delete(api, alice["tokens"]["access_token"], bob_otp), 404, "invalid_authenticator")
    assert len(_list(api, bob["tokens"]["access_token"]).json()) == 2


# --- /mfa/challenge -------------------------------------------------------------------------------


def test_challenge_without_active_factor(api):
    client, user = api.create_client(), api.create_user()
    mt = api.mfa_token(client, user)
    _error(_challenge(api, client, mt, challenge_type="otp"), 401, "unsupported_challenge_type")


def test_challenge_types(api):
    client = api.create_client()
    user = api.enrolled_user(client)
    mt = api.mfa_token(client, user)
    r = _challenge(api, client, mt, challenge_type="oob")
    _error(r, 400, "unsupported_challenge_type")
    assert no_store(r)
    r = _challenge(api, client, mt, challenge_type="oob otp")
    assert r.status_code == 200 and r.json() == {"challenge_type": "otp"}
    r = _challenge(api, client, mt)
    assert r.status_code == 200 and r.json() == {"challenge_type": "otp"}
    r = _challenge(api, client, mt, challenge_type="otp", authenticator_id="totp|dev_AAAAAAAAAAAAAAAA")
    _error(r, 400, "invalid_authenticator")
    r = api.http.post("/mfa/challenge", json={"client_id": client["client_id"], "client_secret": "wrong",
                                              "mfa_token": mt, "challenge_type": "otp"})
    _error(r, 401, "access_denied")


# --- the secret stays out of URLs and logs ---------------------------------------------------------


def test_associate_secret_never_in_a_url_or_the_log(api, server):
    client, user = api.create_client(), api.create_user()
    mt = api.mfa_token(client, user)
    r = api.associate(mt)
    assert r.status_code == 200
    secret = r.json()["secret"]
    # Confirm it, so every step of enrollment went through the server.
    r = api.mfa_otp(client, mt, fresh_code(secret))
    assert r.status_code == 200, r.text
    log = server.log_text()
    assert "/mfa/associate" in log  # the access log is there to be looked at
    assert "secret=" not in log
    assert secret not in log
    assert r.json()["access_token"] not in log
