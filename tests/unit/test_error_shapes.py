"""An unexpected error (not a DomainError) is answered in the shape of the dialect that owns the
path: Okta's E0000009 under /api/v1/, the OAuth `server_error` elsewhere. The log names the
route, never the concrete path or request data."""
from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from twofold.app import create_app
from twofold.config import Settings
from twofold.dialects.auth0 import errors as auth0_errors
from twofold.dialects.okta import errors as okta_errors
from twofold.dialects.okta import oauth_errors


@pytest.fixture
def client(tmp_path):
    front = create_app(Settings(data_dir=tmp_path))
    app = front.app  # the FastAPI app behind the hot lane

    # Throwaway routes, added to this app object only. No lifespan runs (the client is not
    # entered), so no runtime or database is built.
    @app.get("/api/v1/boom/{secret}")
    async def okta_boom(secret: str):
        raise RuntimeError("boom")

    @app.get("/boom/{secret}")
    async def other_boom(secret: str):
        raise RuntimeError("boom")

    # Starlette re-raises after the app-wide handler has answered; keep the answer instead.
    return TestClient(front, raise_server_exceptions=False)


def test_unexpected_error_on_okta_management_is_E0000009(client, caplog):
    with caplog.at_level(logging.ERROR, logger="twofold"):
        r = client.get("/api/v1/boom/s3cr3t-capability?q=private")
    assert r.status_code == 500, r.text
    body = r.json()
    assert body["errorCode"] == "E0000009"
    assert body["errorSummary"] == "Internal Server Error"
    assert body["errorLink"] == "E0000009"
    assert body["errorId"].startswith("oae")
    assert body["errorCauses"] == []
    assert "error" not in body
    assert "boom" not in r.text  # never the exception text on the wire
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "/api/v1/boom/{secret}" in logged
    assert "s3cr3t" not in logged and "private" not in logged


def test_unexpected_error_elsewhere_keeps_the_oauth_shape(client, caplog):
    with caplog.at_level(logging.ERROR, logger="twofold"):
        r = client.get("/boom/s3cr3t-capability")
    assert r.status_code == 500, r.text
    assert r.json() == {"error": "server_error", "error_description": "Internal error."}
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "/boom/{secret}" in logged and "s3cr3t" not in logged


def _json(response):
    import json

    return response.status_code, json.loads(response.body)


def test_body_too_large_per_dialect():
    assert _json(auth0_errors.body_too_large()) == (
        413, {"error": "invalid_request", "error_description": "Request body too large."})
    assert _json(oauth_errors.body_too_large()) == (
        413, {"error": "invalid_request", "error_description": "Request body too large."})
    status, body = _json(okta_errors.body_too_large())
    assert status == 413
    assert body["errorCode"] == "E0000003"
    assert body["errorSummary"] == "The request body was not well-formed."
    assert body["errorCauses"] == [{"errorSummary": "Request body too large."}]


def test_okta_catalogue_helpers():
    status, body = _json(okta_errors.invalid_search())
    assert (status, body["errorCode"], body["errorSummary"]) == (400, "E0000031", "Invalid search criteria.")
    status, body = _json(okta_errors.invalid_log_parameter("Invalid filter"))
    assert (status, body["errorCode"], body["errorSummary"]) == (400, "E0000053", "Invalid filter")
    status, body = _json(okta_errors.internal_error())
    assert (status, body["errorCode"], body["errorSummary"]) == (500, "E0000009", "Internal Server Error")


def test_client_registration_errors():
    assert _json(oauth_errors.invalid_client_metadata(["a", "b"])) == (
        400, {"error": "invalid_client_metadata", "error_description": "a; b"})
    assert _json(oauth_errors.invalid_registration_request("bad")) == (
        400, {"error": "invalid_request", "error_description": "bad"})


async def test_the_hot_lane_answers_an_unexpected_error_in_the_dialects_shape():
    """The verify and token endpoints bypass FastAPI; their unexpected errors take the same
    dialect-shaped answer (Okta E0000009 under /api/v1/, OAuth server_error elsewhere)."""
    import json

    from starlette.requests import Request

    from twofold.dialects.hot import HotLane

    async def broken(request, **_):
        raise RuntimeError("boom")

    def request(path: str) -> Request:
        return Request({"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b""})

    okta = await HotLane._answer(broken, request("/api/v1/users/00u1/factors/f1/verify"), {})
    assert okta.status_code == 500 and json.loads(okta.body)["errorCode"] == "E0000009"
    oauth = await HotLane._answer(broken, request("/oauth/token"), {})
    assert oauth.status_code == 500 and json.loads(oauth.body) == {"error": "server_error",
                                                                   "error_description": "Internal error."}
