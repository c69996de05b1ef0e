"""Every domain error has an explicit entry in every dialect's catalogue (Auth0, Auth0's Management
API, Okta management, Okta OAuth, console): a service may raise any of them on any path, and an
error a catalogue does not know would be answered by its generic net, or by a 500. The errors
are found from the class tree, so a new one fails here until each catalogue answers it."""
from __future__ import annotations

import json

import pytest

from twofold.dialects.auth0 import errors as auth0_errors
from twofold.dialects.auth0 import management as auth0_management
from twofold.dialects.console import errors as console_errors
from twofold.dialects.okta import errors as okta_errors
from twofold.dialects.okta import oauth_errors
from twofold.domain import errors as e
from twofold.domain.policy import NextStep


def _domain_errors() -> list[type[e.DomainError]]:
    found, todo = [], [e.DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__ == e.__name__:  # the dialects' own errors (console BadForm) are theirs
                found.append(sub)
    return sorted(found, key=lambda cls: cls.__name__)


# Arguments for the classes whose constructor is not (detail: str).
ARGS = {
    e.GrantNotAllowed: ("password",),
    e.UnsupportedGrantType: ("urn:example:grant",),
    e.MfaRequired: ("mfa-token", NextStep("enroll", options=(("totp", "GOOGLE"),))),
    e.InsufficientScope: ("read:authenticators",),
    e.Conflict: ("login", "login: An object with this field already exists."),
    e.ValidationFailed: ("User", [("login", "login: The field cannot be left blank")]),
    e.UserStatus: ("suspend", "STAGED", "Cannot suspend a user that is not active"),
    e.AuthenticatorNotAllowed: ("security_question",),
    e.AuthenticatorInUse: (["Default Policy"],),
    e.SendLimited: ("interval", 30),
}


def _instance(cls: type[e.DomainError]) -> e.DomainError:
    return cls(*ARGS.get(cls, ("some detail",)))


DOMAIN_ERRORS = _domain_errors()


def test_the_enumeration_finds_the_domain_errors():
    assert {e.InvalidOtp, e.TooManyAttempts, e.PolicyDenied, e.RefreshNeedsMfa, e.UserStatus} <= set(DOMAIN_ERRORS)
    assert console_errors.BadForm not in DOMAIN_ERRORS


def _answer(response) -> tuple[int, dict]:
    return response.status_code, json.loads(response.body)


CATALOGUES = {
    "auth0": (auth0_errors, lambda exc: _answer(auth0_errors.auth0_error(exc))),
    "auth0-management": (auth0_management, lambda exc: _answer(auth0_management.from_domain(exc))),
    "okta": (okta_errors, lambda exc: _answer(okta_errors.from_domain(exc))),
    "okta-oauth": (oauth_errors, lambda exc: _answer(oauth_errors.oauth_error(exc))),
    "console": (console_errors, console_errors.describe),
}


@pytest.mark.parametrize("dialect", CATALOGUES)
@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda cls: cls.__name__)
def test_every_catalogue_answers_every_domain_error(dialect, cls, monkeypatch):
    module, answer = CATALOGUES[dialect]

    def unmapped(exc):
        raise AssertionError(f"{dialect} has no entry for {type(exc).__name__}")

    monkeypatch.setattr(module, "unmapped", unmapped)
    status, *_ = answer(_instance(cls))
    # A delivery provider, the database or Redis that is down is no fault of the request: 503, to be retried (R69).
    retryable = cls in (e.CodeNotDelivered, e.Unavailable) and status == 503
    assert 400 <= status < 500 or retryable, f"{dialect} answers {cls.__name__} with {status}"
