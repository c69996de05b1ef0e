"""policy.after_password and policy.after_second_factor: the one decision of what a user must
do next (R35, R37, R38, R47), for every policy, kind of factor, audience and surface (the token
endpoints of both dialects, the Admin Console), and how the Auth0 dialect renders it."""
from __future__ import annotations

import pytest

from twofold import authenticators
from twofold.authenticators.base import Answer, FactorView
from twofold.dialects.auth0.errors import mfa_requirements
from twofold.domain import policy
from twofold.services import org_authenticators


def _view(type_: str, *, status: str = "ACTIVE") -> FactorView:
    kind = authenticators.get(type_)
    return FactorView(id=type_, device_id="dev_x", type=type_, provider="GOOGLE", status=status, created_at=0,
                      last_updated_at=0, auth0_id=f"{type_}|dev_x", auth0_authenticator_type=kind.auth0_authenticator_type,
                      auth0_type=kind.auth0_type, primary=kind.primary, okta_factor_type=kind.okta_factor_type,
                      auth0_visible=kind.auth0_visible, answer=kind.answer)


TOTP = _view("totp")
PENDING_TOTP = _view("totp", status="PENDING_ACTIVATION")
QUESTION = _view("question")
RECOVERY = _view("recovery_code")
APPS = (("totp", "GOOGLE"), ("totp", "OKTA"))
ENROLL = policy.NextStep("enroll", options=APPS)


def challenge(*factors: FactorView) -> policy.NextStep:
    return policy.NextStep("challenge", factors=factors)


@pytest.mark.parametrize("mfa_policy,factors,usable,expected", [
    ("always", [], [], ENROLL),
    ("always", [PENDING_TOTP], [PENDING_TOTP], ENROLL),  # R37: not yet enrolled
    ("always", [RECOVERY, TOTP], [RECOVERY, TOTP], challenge(TOTP, RECOVERY)),  # primary factors first
    ("always", [QUESTION], [QUESTION], policy.NextStep("unusable")),  # enrolled; the token endpoints cannot ask it
    ("always", [TOTP], [], policy.NextStep("unusable")),  # disallowed by the policy: still enrolled
    ("always", [TOTP, RECOVERY], [RECOVERY], challenge(RECOVERY)),
    ("if-enrolled", [], [], policy.NextStep("done")),
    ("if-enrolled", [QUESTION], [QUESTION], policy.NextStep("unusable")),
    ("never", [TOTP], [TOTP], policy.NextStep("done")),
])
def test_after_password_at_the_token_endpoints(mfa_policy, factors, usable, expected):
    assert policy.after_password(mfa_policy, factors, usable, options=APPS) == expected


@pytest.mark.parametrize("factors,usable,expected", [
    ([], [], ENROLL),
    ([QUESTION, TOTP], [QUESTION, TOTP], challenge(TOTP, QUESTION)),  # the app's code first
    ([QUESTION, RECOVERY], [QUESTION, RECOVERY], challenge(QUESTION)),  # the console takes no recovery code
    ([TOTP, QUESTION], [QUESTION], challenge(QUESTION)),  # the app disallowed: the question leads to a new one
    ([TOTP, RECOVERY], [RECOVERY], policy.NextStep("unusable")),
])
def test_after_password_at_the_admin_console(factors, usable, expected):
    assert policy.after_password("always", factors, usable, surface=policy.ADMIN_CONSOLE, options=APPS) == expected


def test_after_a_security_question_the_console_needs_an_authenticator_app():
    """A question is a step towards an app, never the end of an administrator's sign-in."""
    def after(usable):
        return policy.after_second_factor(usable, surface=policy.ADMIN_CONSOLE, by_primary=False, options=APPS)
    assert after([QUESTION]) == ENROLL
    assert after([QUESTION, TOTP]) == challenge(TOTP)  # an app enrolled meanwhile: its code, not a second one
    assert policy.after_second_factor([TOTP], surface=policy.ADMIN_CONSOLE, by_primary=True) == policy.NextStep("done")


def test_after_the_second_factor_a_missing_required_authenticator_is_enrolled_first():
    required = (("question", "OKTA"),)
    assert policy.after_second_factor([TOTP], by_primary=True, required=required, required_missing=True) == \
        policy.NextStep("enroll", options=required)
    assert policy.after_second_factor([TOTP], by_primary=True).kind == "done"
    # The console does not hold its administrators to the enrollment policy's REQUIRED ones.
    assert policy.after_second_factor([TOTP], surface=policy.ADMIN_CONSOLE, by_primary=True, required=required,
                                      required_missing=True).kind == "done"


@pytest.mark.parametrize("mfa_policy", ["always", "if-enrolled", "never"])
def test_the_mfa_api_of_an_enrolled_user_always_needs_the_second_factor(mfa_policy):
    """R38: whatever the sign-in policy, a token for the MFA API of an enrolled user is earned
    with a second factor; a user with no factor has nothing to guard."""
    assert policy.after_password(mfa_policy, [TOTP], [TOTP], mfa_api=True).kind == "challenge"
    assert policy.after_password(mfa_policy, [], [], mfa_api=True).kind == ("enroll" if mfa_policy == "always"
                                                                            else "done")


def test_a_required_authenticator_needs_a_transaction_under_any_policy():
    assert policy.after_password("never", [], [], required_missing=True).kind == "enroll"


def test_binding_needs_a_second_factor_once_anything_is_enrolled():
    assert policy.may_bind([], second_factor_proven=False)
    assert policy.may_bind([PENDING_TOTP], second_factor_proven=False)
    assert not policy.may_bind([QUESTION], second_factor_proven=False)
    assert policy.may_bind([QUESTION], second_factor_proven=True)
    assert policy.proven("pwd,otp,mfa") and policy.proven(["pwd", "mfa"]) and not policy.proven("pwd")


def test_the_enrollment_options_follow_the_enrollment_policy():
    """Primary factor types, each with the providers whose authenticator the rules allow."""
    rules = {"google_otp": "OPTIONAL", "okta_verify": "NOT_ALLOWED", "security_question": "OPTIONAL"}
    assert org_authenticators.options(rules) == (("totp", "GOOGLE"),)
    assert org_authenticators.options({}) == ()
    assert org_authenticators.options(rules, keys=["security_question", "okta_verify"]) == \
        (("totp", "OKTA"), ("question", "OKTA"))


@pytest.mark.parametrize("step,shown", [
    (challenge(TOTP, RECOVERY), {"challenge": [{"type": "otp"}, {"type": "recovery-code"}]}),
    (ENROLL, {"enroll": [{"type": "otp"}]}),  # /mfa/associate enrolls Google's: one entry
    (policy.NextStep("enroll", options=(("totp", "OKTA"),)), {"enroll": []}),  # nothing Auth0 can enroll
])
def test_auth0_renders_the_decision_as_mfa_requirements(step, shown):
    assert mfa_requirements(step) == shown


def test_every_answer_kind_is_asked_somewhere():
    asked = policy.TOKEN_ENDPOINT.answers | policy.ADMIN_CONSOLE.answers
    assert {t.answer for t in authenticators.REGISTRY.values()} <= asked <= set(Answer)
