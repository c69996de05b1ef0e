"""Okta's /api/v1/authorizationServers/{id}/scopes and /claims: every custom server has the
OIDC system scopes; custom scopes and claims are created, read, replaced and deleted; system
scopes are neither deleted nor renamed; a server takes its scopes and claims with it."""
from __future__ import annotations



from .jwt_helpers import claims_of
from ..support import db_rows, MFA_OTP, okta_error, user_with_totp

AS = "/api/v1/authorizationServers"
SYSTEM = {"openid", "profile", "email", "address", "phone", "offline_access"}


def _count(server, table: str, server_id: str) -> int:
    return int(db_rows(server, f"SELECT count(*) FROM {table} WHERE server_id = '{server_id}'")[0][0])


def test_default_server_lists_its_system_scopes(api):
    r = api.http.get(f"{AS}/default/scopes", headers=api.ssws)
    assert r.status_code == 200, r.text
    system = {s["name"]: s for s in r.json() if s["system"]}
    assert set(system) == SYSTEM
    openid = system["openid"]
    assert openid["id"].startswith("scp") and openid["consent"] == "IMPLICIT" and openid["default"] is False
    assert openid["metadataPublish"] == "ALL_CLIENTS"
    assert openid["_links"]["self"]["href"].endswith(f"{AS}/default/scopes/{openid['id']}")
    got = api.http.get(f"{AS}/default/scopes/{openid['id']}", headers=api.ssws)
    assert got.status_code == 200 and got.json() == openid


def test_custom_scope_crud_and_refusals(api):
    r = api.http.post(f"{AS}/default/scopes", headers=api.ssws, json={
        "name": "orders:read", "displayName": "Read orders", "description": "Read your orders",
        "metadataPublish": "ALL_CLIENTS", "default": True})
    assert r.status_code == 201, r.text
    scope = r.json()
    sid = scope["id"]
    try:
        assert sid.startswith("scp") and scope["name"] == "orders:read" and scope["system"] is False
        assert scope["displayName"] == "Read orders" and scope["default"] is True
        assert scope["consent"] == "IMPLICIT" and scope["metadataPublish"] == "ALL_CLIENTS"
        assert api.http.get(f"{AS}/default/scopes/{sid}", headers=api.ssws).json() == scope
        assert sid in {s["id"] for s in api.http.get(f"{AS}/default/scopes", headers=api.ssws).json()}

        # one name per server
        okta_error(api.http.post(f"{AS}/default/scopes", headers=api.ssws, json={"name": "orders:read"}),
                   400, "E0000001")
        okta_error(api.http.post(f"{AS}/default/scopes", headers=api.ssws, json={"name": "openid"}), 400, "E0000001")
        okta_error(api.http.post(f"{AS}/default/scopes", headers=api.ssws, json={"name": ""}), 400, "E0000001")
        okta_error(api.http.post(f"{AS}/default/scopes", headers=api.ssws, json={"name": "a b"}), 400, "E0000001")
        okta_error(api.http.post(f"{AS}/default/scopes", headers=api.ssws,
                                 json={"name": "x", "metadataPublish": "SOME"}), 400, "E0000001")

        r = api.http.put(f"{AS}/default/scopes/{sid}", headers=api.ssws, json={
            "name": "orders:list", "description": "List orders", "metadataPublish": "NO_CLIENTS"})
        assert r.status_code == 200, r.text
        put = r.json()
        assert put["name"] == "orders:list" and put["description"] == "List orders"
        assert put["metadataPublish"] == "NO_CLIENTS" and put["id"] == sid
        okta_error(api.http.put(f"{AS}/default/scopes/{sid}", headers=api.ssws, json={"name": "email"}),
                   400, "E0000001")
    finally:
        assert api.http.delete(f"{AS}/default/scopes/{sid}", headers=api.ssws).status_code == 204
    okta_error(api.http.get(f"{AS}/default/scopes/{sid}", headers=api.ssws), 404, "E0000007")
    okta_error(api.http.delete(f"{AS}/default/scopes/{sid}", headers=api.ssws), 404, "E0000007")


def test_system_scopes_cannot_be_deleted_or_renamed(api):
    scopes = api.http.get(f"{AS}/default/scopes", headers=api.ssws).json()
    openid = next(s for s in scopes if s["name"] == "openid")
    okta_error(api.http.delete(f"{AS}/default/scopes/{openid['id']}", headers=api.ssws), 400, "E0000001")
    okta_error(api.http.put(f"{AS}/default/scopes/{openid['id']}", headers=api.ssws,
                            json={"name": "openid2"}), 400, "E0000001")
    after = api.http.get(f"{AS}/default/scopes/{openid['id']}", headers=api.ssws)
    assert after.status_code == 200 and after.json() == openid


def test_claims_crud(api):
    r = api.http.post(f"{AS}/default/claims", headers=api.ssws, json={
        "name": "department", "status": "ACTIVE", "claimType": "RESOURCE", "valueType": "EXPRESSION",
        "value": "user.department", "alwaysIncludeInToken": True, "conditions": {"scopes": ["profile"]}})
    assert r.status_code == 201, r.text
    claim = r.json()
    cid = claim["id"]
    try:
        assert cid.startswith("ocl") and claim["name"] == "department" and claim["status"] == "ACTIVE"
        assert claim["claimType"] == "RESOURCE" and claim["valueType"] == "EXPRESSION"
        assert claim["value"] == "user.department" and claim["alwaysIncludeInToken"] is True
        assert claim["conditions"] == {"scopes": ["profile"]} and claim["system"] is False
        assert claim["_links"]["self"]["href"].endswith(f"{AS}/default/claims/{cid}")
        assert api.http.get(f"{AS}/default/claims/{cid}", headers=api.ssws).json() == claim
        assert cid in {c["id"] for c in api.http.get(f"{AS}/default/claims", headers=api.ssws).json()}

        r = api.http.put(f"{AS}/default/claims/{cid}", headers=api.ssws, json={
            "name": "groups", "claimType": "IDENTITY", "valueType": "GROUPS", "group_filter_type": "STARTS_WITH",
            "value": "Sales", "alwaysIncludeInToken": False, "conditions": {"scopes": []}})
        assert r.status_code == 200, r.text
        put = r.json()
        assert (put["name"], put["claimType"], put["valueType"], put["value"]) == ("groups", "IDENTITY", "GROUPS", "Sales")
        assert put["group_filter_type"] == "STARTS_WITH" and put["alwaysIncludeInToken"] is False
        assert put["conditions"] == {"scopes": []}

        for bad in ({"name": "x", "value": "user.login", "claimType": "OTHER"}, {"name": "x", "value": ""},
                    {"name": "sub", "value": "user.login"}, {"name": "typ", "value": '"JWT"'},
                    {"name": "x", "value": "Sales", "valueType": "GROUPS"},
                    {"name": "x", "value": "user.login", "conditions": {"scopes": "profile"}}):
            okta_error(api.http.post(f"{AS}/default/claims", headers=api.ssws, json=bad), 400, "E0000001")
        # only a small subset of the Okta Expression Language is evaluated: the rest is refused
        for expression in ("v", "user.profile.department", 'user.getInternalProperty("id")',
                           'String.toUpperCase(user.login)', 'user.firstName + " " + user.lastName', "'single'"):
            body = okta_error(api.http.post(f"{AS}/default/claims", headers=api.ssws,
                                            json={"name": "x", "value": expression}), 400, "E0000001")
            assert "app.clientId" in body["errorCauses"][0]["errorSummary"], body
        replaced = {"name": "department", "valueType": "EXPRESSION", "value": "user.department.code"}
        okta_error(api.http.put(f"{AS}/default/claims/{cid}", headers=api.ssws, json=replaced), 400, "E0000001")
    finally:
        assert api.http.delete(f"{AS}/default/claims/{cid}", headers=api.ssws).status_code == 204
    okta_error(api.http.get(f"{AS}/default/claims/{cid}", headers=api.ssws), 404, "E0000007")


def test_unknown_server_is_404(api):
    for path in ("scopes", "claims", "scopes/scpNope", "claims/oclNope"):
        okta_error(api.http.get(f"{AS}/ausNoSuchServer/{path}", headers=api.ssws), 404, "E0000007")
    okta_error(api.http.post(f"{AS}/ausNoSuchServer/scopes", headers=api.ssws, json={"name": "x"}), 404, "E0000007")
    okta_error(api.http.post(f"{AS}/ausNoSuchServer/claims", headers=api.ssws,
                             json={"name": "x", "value": "v"}), 404, "E0000007")
    okta_error(api.http.get(f"{AS}/default/scopes/scpNope", headers=api.ssws), 404, "E0000007")


def test_new_server_has_system_scopes_and_takes_them_when_deleted(api, server):
    r = api.http.post(AS, headers=api.ssws, json={"name": "Scoped", "audiences": ["api://scoped"]})
    assert r.status_code == 200, r.text
    sid = r.json()["id"]
    try:
        scopes = api.http.get(f"{AS}/{sid}/scopes", headers=api.ssws).json()
        assert {s["name"] for s in scopes} == SYSTEM and all(s["system"] for s in scopes)
        default_ids = {s["id"] for s in api.http.get(f"{AS}/default/scopes", headers=api.ssws).json()}
        assert not default_ids & {s["id"] for s in scopes}
        # the same custom name may exist on two servers
        mine = api.http.post(f"{AS}/{sid}/scopes", headers=api.ssws, json={"name": "orders:read"})
        assert mine.status_code == 201, mine.text
        claim = api.http.post(f"{AS}/{sid}/claims", headers=api.ssws, json={"name": "dept", "value": "user.dept"})
        assert claim.status_code == 201, claim.text
        assert _count(server, "server_scopes", sid) == len(SYSTEM) + 1
        assert _count(server, "server_claims", sid) == 1
    finally:
        assert api.http.delete(f"{AS}/{sid}", headers=api.ssws).status_code == 204
    okta_error(api.http.get(f"{AS}/{sid}/scopes", headers=api.ssws), 404, "E0000007")
    assert _count(server, "server_scopes", sid) == 0 and _count(server, "server_claims", sid) == 0


def test_the_token_endpoint_accepts_only_the_servers_scopes(api):
    """Okta: a scope the custom server does not define is refused (invalid_scope) before the
    access rules or the password are looked at; once defined, the rule decides."""
    client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
    user = api.create_user()

    def password_grant():
        return api.http.post("/oauth2/default/v1/token", auth=(client["client_id"], client["client_secret"]),
                             data={"grant_type": "password", "username": user["login"], "password": user["password"],
                                   "scope": "openid orders:read"})

    r = password_grant()
    assert r.status_code == 400 and r.json() == {
        "error": "invalid_scope",
        "error_description": "One or more scopes are not configured for the authorization server resource."}
    created = api.http.post(f"{AS}/default/scopes", headers=api.ssws, json={"name": "orders:read"})
    assert created.status_code == 201, created.text
    try:
        r = password_grant()  # the Default Policy Rule allows any scope: on to the password and MFA
        assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
    finally:
        assert api.http.delete(f"{AS}/default/scopes/{created.json()['id']}", headers=api.ssws).status_code == 204
    assert password_grant().json()["error"] == "invalid_scope"


def _okta_sign_in(api, token_url: str, client: dict, scope: str) -> dict:
    """password → mfa_required → mfa-otp on an Okta server; the token answer."""
    user, code = user_with_totp(api)
    auth = (client["client_id"], client["client_secret"])
    r = api.http.post(token_url, auth=auth, data={"grant_type": "password", "username": user["login"],
                                                 "password": user["password"], "scope": scope})
    assert r.status_code == 403 and r.json()["error"] == "mfa_required", r.text
    r = api.http.post(token_url, auth=auth, data={"grant_type": MFA_OTP, "mfa_token": r.json()["mfa_token"],
                                                 "otp": code})
    assert r.status_code == 200, r.text
    return {**r.json(), "user": user}


def test_a_custom_servers_claims_go_into_its_tokens(api):
    """Okta: RESOURCE claims go into the access token, IDENTITY claims into the ID token, each
    only for a grant of one of its conditions.scopes (when it lists any); other servers' tokens
    are untouched."""
    created = []
    for body in ({"name": "department_code", "claimType": "RESOURCE", "valueType": "EXPRESSION", "value": '"ENG"',
                  "alwaysIncludeInToken": True, "conditions": {"scopes": []}},
                 {"name": "email_addr", "claimType": "IDENTITY", "valueType": "EXPRESSION", "value": "user.email",
                  "alwaysIncludeInToken": True, "conditions": {"scopes": ["email"]}}):
        r = api.http.post(f"{AS}/default/claims", headers=api.ssws, json=body)
        assert r.status_code == 201, r.text
        created.append(r.json()["id"])
    try:
        client = api.create_client(["password", MFA_OTP], method="client_secret_basic")
        with_email = _okta_sign_in(api, "/oauth2/default/v1/token", client, "openid email")
        access, id_token = claims_of(with_email["access_token"]), claims_of(with_email["id_token"])
        assert access["department_code"] == "ENG" and "email_addr" not in access
        assert id_token["email_addr"] == with_email["user"]["login"] and "department_code" not in id_token
        assert access["sub"] == with_email["user"]["login"] and access["cid"] == client["client_id"]

        without = _okta_sign_in(api, "/oauth2/default/v1/token", client, "openid profile")
        assert claims_of(without["access_token"])["department_code"] == "ENG"
        assert "email_addr" not in claims_of(without["id_token"])

        # the org server and the Auth0 root: their tokens carry none of it
        org = _okta_sign_in(api, "/oauth2/v1/token", client, "openid email")
        assert not {"department_code", "email_addr"} & (set(claims_of(org["access_token"]))
                                                        | set(claims_of(org["id_token"])))
        root_client = api.create_client()
        root = api.enrolled_user(root_client, scope="openid email")["tokens"]
        assert not {"department_code", "email_addr"} & (set(claims_of(root["access_token"]))
                                                        | set(claims_of(root["id_token"])))
    finally:
        for cid in created:
            assert api.http.delete(f"{AS}/default/claims/{cid}", headers=api.ssws).status_code == 204


def test_scope_and_claim_refusals_name_okta_members(api):
    """Each refusal's errorCauses in Okta's member names (the service names its fields
    neutrally; the adapter names them as Okta's body does)."""
    def causes(r, what):
        return [c["errorSummary"] for c in okta_error(r, 400, "E0000001", f"Api validation failed: {what}")[
            "errorCauses"]]

    def scope(**body):
        return causes(api.http.post(f"{AS}/default/scopes", headers=api.ssws, json={"name": "pin:x", **body}),
                      "OAuth2Scope")

    def claim(**body):
        return causes(api.http.post(f"{AS}/default/claims", headers=api.ssws,
                                    json={"name": "pin", "value": "user.login", **body}), "OAuth2Claim")

    assert scope(displayName=5) == ["displayName: Must be text of at most 300 characters."]
    assert scope(description=5) == ["description: Must be text."]
    assert scope(default="yes") == ["default: Must be true or false."]
    assert scope(consent="NEVER") == ["consent: Must be one of IMPLICIT, REQUIRED, FLEXIBLE."]
    assert scope(metadataPublish="SOME") == ["metadataPublish: Must be one of ALL_CLIENTS, NO_CLIENTS."]
    assert scope(name="okta.users") == ["name: At most 300 characters, no whitespace, not starting with okta."]
    assert claim(valueType="SYSTEM") == ["valueType: Must be one of EXPRESSION, GROUPS."]
    assert claim(valueType="GROUPS") == ["group_filter_type: Required for a GROUPS claim."]
    assert claim(valueType="GROUPS", group_filter_type="LIKE") == [
        "group_filter_type: Must be one of STARTS_WITH, EQUALS, CONTAINS, REGEX."]
    assert claim(claimType="ACCESS") == ["claimType: Must be one of RESOURCE, IDENTITY."]
    assert claim(alwaysIncludeInToken="no") == ["alwaysIncludeInToken: Must be true or false."]
    assert claim(status="GONE") == ["status: Must be one of ACTIVE, INACTIVE."]
    assert claim(conditions=[]) == ["conditions: Must be an object."]
    assert claim(conditions={"scopes": "openid"}) == ["conditions.scopes: Must be a list of strings."]
    assert claim(name="sub") == ["name: 'sub' is a reserved claim name."]
    assert claim(value="") == ["value: The field cannot be left blank (at most 1024 characters)."]
