"""The Admin Console's error catalogue: each refusal of the domain as a sentence an
administrator can act on (the console's dialect, as errors.py is for Auth0 and Okta)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...domain import errors as e


@dataclass(frozen=True)
class Shown:
    summary: str
    causes: list[str] = field(default_factory=list)


class BadForm(e.DomainError):
    """A form the console did not send (wrong encoding, NUL)."""


class FormTooLarge(BadForm):
    """A form, or one of its fields, larger than the console accepts."""


CSRF = Shown("This form expired or was sent from another site.",
             ["Reload the page and try again. If it keeps happening, sign out and sign in again."])
# The errors of the OAuth and sign-in planes, should one reach the console: (status, summary); the
# error's own text, if any, is shown as a cause.
OTHER_PLANES: dict[type, tuple[int, str]] = {
    e.InvalidRecoveryCode: (403, "That recovery code is not right, or it was already used."),
    e.MalformedMfaToken: (401, "Your sign-in expired. Sign in again."),
    e.MfaTokenExpired: (401, "Your sign-in expired. Sign in again."),
    e.InvalidToken: (401, "Your sign-in expired. Sign in again."),
    e.InvalidRefreshToken: (401, "Your sign-in expired. Sign in again."),
    e.UserGone: (401, "This account no longer exists or is not active."),
    e.MfaRequired: (403, "This needs a second factor. Sign in again with it."),
    e.SecondFactorRequired: (403, "This needs a second factor. Sign in again with it."),
    e.InsufficientScope: (403, "You do not have permission to do this."),
    e.PolicyDenied: (403, "No access policy rule of the authorization server allows this."),
    e.InvalidClient: (400, "The application is unknown or its credentials are wrong."),
    e.GrantNotAllowed: (400, "The application is not allowed this grant type."),
    e.UnsupportedGrantType: (400, "This grant type is not supported."),
    e.InvalidScope: (400, "A requested scope is not defined."),
    e.AudienceRequired: (400, "An audience is required."),
    e.AudienceNotAllowed: (400, "No token of this grant can be issued for this audience."),
    e.UnknownRealm: (400, "The realm is unknown."),
    e.UnsupportedChallengeType: (400, "This kind of challenge is not supported."),
    e.InvalidAuthenticator: (400, "The authenticator is unknown or not active."),
}
UNAVAILABLE = Shown("twofold cannot reach its database or Redis right now.",
                    ["Nothing was changed. Try again in a moment."])
TOO_LARGE = Shown("The form was too large to accept.",
                  ["A field holds more text than the console accepts. Shorten it and send the form again."])


def describe(exc: e.DomainError) -> tuple[int, str, list[str]]:
    """(HTTP status, summary, causes)."""
    if isinstance(exc, e.UserStatus):
        return 400, exc.causes[0][1] if exc.causes else "The user's status does not allow this.", []
    if isinstance(exc, e.ValidationFailed):
        return 400, "Some fields need attention.", [m for _, m in exc.causes]
    if isinstance(exc, e.AuthenticatorInUse):
        return 403, ("This authenticator is enabled in one or more enrollment policies. "
                     "Set it to Disabled in these policies first."), [exc.detail]
    if isinstance(exc, e.SystemPolicy):
        return 400, "The Default Policy cannot be changed this way.", [exc.detail]
    if isinstance(exc, e.AuthenticatorNotAllowed):
        return 400, "This authenticator cannot be enrolled.", [exc.detail]
    if isinstance(exc, e.NoRecoveryCode):
        return 400, ("This person has no active recovery code to regenerate: one is issued with the first "
                     "authenticator app enrolled through the Auth0 API, and becomes active with its first code."), []
    if isinstance(exc, e.NotFound):
        return 404, "Not found: it may have been deleted meanwhile.", [exc.detail] if exc.detail else []
    if isinstance(exc, e.SendLimited):
        return 429, "A code was sent a moment ago. Wait a little before asking for another one.", []
    if isinstance(exc, e.CodeNotDelivered):
        return 503, "The code could not be sent. Try again.", []
    if isinstance(exc, e.Unavailable):  # R69
        return 503, UNAVAILABLE.summary, UNAVAILABLE.causes
    if isinstance(exc, (e.UnknownChallenge, e.ChallengeExpired)):
        return 403, "That code expired or was never sent. Ask for a new code.", []
    if isinstance(exc, e.InvalidOtp) and exc.replayed:
        return 403, "That code was already used. Wait for the next code and try again.", []
    if isinstance(exc, e.InvalidOtp):
        return 403, "That code is not right. Check the time on your device and try again.", []
    if isinstance(exc, e.TooManyAttempts):
        return 403, "Too many failed attempts. Try again later or ask another administrator to unlock you.", []
    if isinstance(exc, e.InvalidCredentials):
        return 401, "Sign-in failed: the username or password is wrong, or the account is not an administrator.", []
    if isinstance(exc, e.InvalidAnswer):
        return 403, "That answer does not match our records. Try again.", []
    if isinstance(exc, e.NoUsableFactor):
        return 403, ("Your account has a second factor the console cannot use. Ask another administrator to "
                     "reset your factors (Directory › People › Reset factors)."), []
    if isinstance(exc, e.AlreadyEnrolled):
        return 400, "An authenticator of this kind is already set up.", []
    if isinstance(exc, (e.FactorState, e.NotEnrolled, e.UnsupportedFactor)):
        return 400, exc.detail or "The authenticator is not in a state that allows this.", []
    if isinstance(exc, e.Conflict):
        return 400, exc.detail or "It conflicts with an existing item.", []
    if isinstance(exc, e.InvalidRequest):
        return 400, exc.detail or "The request was not well-formed.", []
    if isinstance(exc, FormTooLarge):  # RFC 9110 §15.5.14: 413 Content Too Large
        return 413, TOO_LARGE.summary, TOO_LARGE.causes
    if isinstance(exc, BadForm):
        return 400, exc.detail, []
    for cls in type(exc).__mro__:
        if cls in OTHER_PLANES:
            status, summary = OTHER_PLANES[cls]
            return status, summary, [exc.detail] if exc.detail else []
    return unmapped(exc)


def unmapped(exc: e.DomainError) -> tuple[int, str, list[str]]:
    """The net under the catalogue; every domain error has an entry (tests/unit/test_error_catalogues.py)."""
    return 400, exc.detail or "The change was refused.", []
