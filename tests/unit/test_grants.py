"""One grant registry: every grant-type URI is listed once (domain/grants.py), both token
endpoints dispatch through twofold/grants, and what is offered (console labels, access-rule
choices, discovery documents) derives from those lists."""
from __future__ import annotations

import ast
import inspect
import pathlib
from types import SimpleNamespace

import twofold
from twofold.dialects.auth0 import routes as auth0_routes
from twofold.dialects.console.labels import GRANT_LABELS
from twofold.dialects.oidc.routes import discovery_document
from twofold.dialects.okta import oauth as okta_oauth
from twofold.domain import grants
from twofold.grants import GRANTS
from twofold.services import servers

SOURCE = pathlib.Path(twofold.__file__).parent
# Bare grant names that are also parameter or field names ("password", "refresh_token") cannot
# be told apart from them; every other grant-type value may only be spelled in domain/grants.py.
SPELLED_ONCE = set(grants.ALL) - {grants.PASSWORD, grants.REFRESH_TOKEN}


def test_grant_type_uris_are_spelled_only_in_the_domain_list():
    found = []
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts or path == SOURCE / "domain" / "grants.py":
            continue  # migrations are history: they keep the values of their day
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in SPELLED_ONCE:
                found.append(f"{path.relative_to(SOURCE)}:{node.lineno} {node.value}")
    assert found == []


def test_the_lists_derive_from_all_grants():
    assert len(set(grants.ALL)) == len(grants.ALL)
    assert grants.KNOWN <= set(grants.ALL) and set(grants.RULE_GRANTS) <= set(grants.ALL)
    assert list(GRANT_LABELS) == list(grants.ALL)  # a console name for each, in Okta's order


def test_each_grant_module_declares_its_uri_parameters_and_handler():
    for uri, module in GRANTS.items():
        assert module.GRANT_TYPE == uri and uri in grants.KNOWN
        assert isinstance(module.REQUIRED, tuple) and all(isinstance(p, str) for p in module.REQUIRED)
        assert inspect.iscoroutinefunction(module.handle)
        assert list(inspect.signature(module.handle).parameters) == ["rt", "client", "params", "meta", "server_id"]


def test_each_dialect_serves_its_own_grants_from_the_one_registry():
    assert list(auth0_routes.GRANTS) == [grants.PASSWORD, grants.PASSWORD_REALM, grants.MFA_OTP, grants.MFA_OOB,
                                         grants.MFA_RECOVERY_CODE, grants.REFRESH_TOKEN, grants.CLIENT_CREDENTIALS]
    assert list(okta_oauth.GRANTS) == [grants.PASSWORD, grants.MFA_OTP, grants.MFA_OOB, grants.OKTA_OTP,
                                       grants.REFRESH_TOKEN]
    for served in (auth0_routes.GRANTS, okta_oauth.GRANTS):
        assert all(served[g] is GRANTS[g] for g in served)
    assert okta_oauth.NEEDS_SCOPE <= set(okta_oauth.GRANTS)


def test_discovery_documents_list_what_their_token_endpoint_serves():
    settings = SimpleNamespace(base_url="https://mfa.example.test/", resolved_issuer="https://mfa.example.test/")
    assert discovery_document(SimpleNamespace(settings=settings))["grant_types_supported"] == list(auth0_routes.GRANTS)
    org = servers.TokenServer(id=servers.ORG, issuer="https://mfa.example.test", audience="x", okta=True)
    assert okta_oauth.metadata(org)["grant_types_supported"] == list(okta_oauth.GRANTS)
