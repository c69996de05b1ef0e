"""policy.after_password: the one decision of what a user must do after the password (R35, R38,
R47), for every policy, kind of factor and audience."""
from __future__ import annotations

import pytest

from twofold.authenticators.base import FactorView
from twofold.domain import policy


def _view(type_: str, *, status: str = "ACTIVE", primary: bool = True, auth0_type: str = "otp",
          visible: bool = True) -> FactorView:
    return FactorView(id=type_, device_id="dev_x", type=type_, provider="GOOGLE", status=status, created_at=0,
                      last_updated_at=0, auth0_id=f"{type_}|dev_x", auth0_authenticator_type=auth0_type,
                      auth0_type=auth0_type, primary=primary, okta_factor_type=None, auth0_visible=visible)


TOTP = _view("totp")
PENDING_TOTP = _view("totp", status="PENDING_ACTIVATION")
QUESTION = _view("question", primary=False, auth0_type="question", visible=False)
RECOVERY = _view("recovery_code", primary=False, auth0_type="recovery-code")


@pytest.mark.parametrize("mfa_policy,factors,usable,expected", [
    ("always", [], [], policy.NextStep("enroll", ("otp",))),
    ("always", [PENDING_TOTP], [PENDING_TOTP], policy.NextStep("enroll", ("otp",))),  # R37: not yet enrolled
    ("always", [TOTP, RECOVERY], [TOTP, RECOVERY], policy.NextStep("challenge", ("otp", "recovery-code"))),
    ("always", [QUESTION], [QUESTION], policy.NextStep("unusable")),  # enrolled; Auth0 cannot ask it
    ("always", [TOTP], [], policy.NextStep("unusable")),  # disallowed by the policy: still enrolled
    ("always", [TOTP, RECOVERY], [RECOVERY], policy.NextStep("challenge", ("recovery-code",))),
    ("if-enrolled", [], [], policy.NextStep("done")),
    ("if-enrolled", [QUESTION], [QUESTION], policy.NextStep("unusable")),
    ("never", [TOTP], [TOTP], policy.NextStep("done")),
])
def test_after_password(mfa_policy, factors, usable, expected):
    assert policy.after_password(mfa_policy, factors, usable) == expected


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
