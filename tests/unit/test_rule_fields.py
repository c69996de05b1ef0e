"""Access policies and rules are validated by the service in its own, neutral field names; the
Okta adapter reads Okta's body into them and names a refusal by Okta's member paths."""
from __future__ import annotations

import pathlib

import pytest

import twofold.services.server_policies as service
from twofold.dialects.okta import server_policies as okta
from twofold.domain import grants
from twofold.domain.errors import ValidationFailed


def _refusal(call, *args) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(*args)
    return caught.value


def test_the_service_names_neutral_fields():
    exc = _refusal(service._rule_values, {"name": "r", "grant_types": ["telepathy"], "access_token_minutes": 1})
    assert exc.causes == [("grant_types", "grant_types: Unknown grant type 'telepathy'."),
                          ("access_token_minutes", "access_token_minutes: From 5 minutes to 1 day.")]
    assert _refusal(service._policy_values, {"name": "p"}).causes[0][0] == "clients"
    source = pathlib.Path(service.__file__).read_text()
    assert "conditions." not in source and "grantTypes" not in source and "actions.token" not in source


def test_an_okta_rule_body_is_read_into_the_services_terms():
    body = {"name": "r", "status": "ACTIVE", "conditions": {"grantTypes": {"include": [grants.MFA_OTP]},
                                                            "scopes": {"include": ["openid"]}},
            "actions": {"token": {"accessTokenLifetimeMinutes": 30, "refreshTokenWindowMinutes": 60}}}
    assert okta.rule_values(body) == {"name": "r", "status": "ACTIVE", "grant_types": [grants.MFA_OTP],
                                      "scopes": ["openid"], "access_token_minutes": 30,
                                      "refresh_window_minutes": 60}
    assert okta.policy_values({"name": "p", "conditions": {"clients": {"include": ["ALL_CLIENTS"]}}}) == {
        "name": "p", "clients": ["ALL_CLIENTS"]}


def test_okta_names_a_refusal_by_its_member_paths():
    exc = _refusal(service._rule_values, okta.rule_values({"name": "r", "actions": {"token": {
        "refreshTokenLifetimeMinutes": -1}}}))
    assert okta.in_okta_terms(exc, okta.RULE_PATHS).causes == [
        ("conditions.grantTypes.include", "conditions.grantTypes.include: At least one grant type."),
        ("actions.token.refreshTokenLifetimeMinutes",
         "actions.token.refreshTokenLifetimeMinutes: 0 (unlimited) or at least the access token's.")]
    wrong_type = _refusal(okta.rule_values, {"name": "r", "conditions": {"grantTypes": ["password"]}})
    assert wrong_type.causes == [("conditions.grantTypes", "conditions.grantTypes: Must be an object.")]
