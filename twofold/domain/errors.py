"""Domain errors. Services raise these; each dialect maps them to its own wire error."""
from __future__ import annotations


class DomainError(Exception):
    """Base class; `detail` is safe to show (never a secret)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidRequest(DomainError):
    """A parameter is missing, repeated, too long or of the wrong form."""


class InvalidClient(DomainError):
    """Unknown client or wrong client credentials."""


class GrantNotAllowed(DomainError):
    def __init__(self, grant_type: str) -> None:
        super().__init__(grant_type)
        self.grant_type = grant_type


class UnsupportedGrantType(DomainError):
    def __init__(self, grant_type: str) -> None:
        super().__init__(grant_type)
        self.grant_type = grant_type


class InvalidCredentials(DomainError):
    """Wrong username or password (or a user that cannot sign in): one answer for all."""


class UnknownRealm(DomainError):
    pass


class AudienceRequired(DomainError):
    pass


class AudienceNotAllowed(DomainError):
    """The grant cannot have a token for this audience (client credentials for the MFA API:
    it acts on a user's factors, and such a token has no user, R57)."""


class AudienceNotGranted(AudienceNotAllowed):
    """Client credentials for the Management API by a client not granted it (Auth0's missing
    "client grant"; here TWOFOLD_MANAGEMENT_API_CLIENTS). `detail`: the audience."""


class ScopeNotGranted(AudienceNotAllowed):
    """Client credentials asking for Management API scopes the client was not granted.
    `detail`: those scopes, space-separated."""


class MfaRequired(DomainError):
    """A second factor is needed: `step` is the decision (domain.policy.NextStep, `enroll` or
    `challenge`) that each dialect renders (Auth0's `mfa_requirements`)."""

    def __init__(self, mfa_token: str, step) -> None:
        super().__init__("mfa required")
        self.mfa_token = mfa_token
        self.step = step


class MalformedMfaToken(DomainError):
    """Unknown mfa_token, or one issued to another client."""


class MfaTokenExpired(DomainError):
    """Expired or already used mfa_token."""


class InvalidOtp(DomainError):
    """Wrong, malformed or replayed one-time code."""

    def __init__(self, detail: str = "", replayed: bool = False) -> None:
        super().__init__(detail)
        self.replayed = replayed


class InvalidSentCode(InvalidOtp):
    """A wrong or spent code sent by SMS, voice or email (Auth0 names it the binding code)."""


class InvalidRecoveryCode(DomainError):
    pass


class InvalidAnswer(DomainError):
    """Wrong answer to a security question."""


class UnsupportedFactor(DomainError):
    """A factor type or provider this server cannot enroll."""


class FactorState(DomainError):
    """The factor is not in a state that allows this (e.g. activating an active factor)."""


class InvalidScope(DomainError):
    pass


class TooManyAttempts(DomainError):
    """The user is locked out of this kind of verification for a cooldown."""

    def __init__(self, detail: str = "", retry_after: int = 0, kind: str = "mfa") -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.kind = kind


class AlreadyEnrolled(DomainError):
    pass


class NotEnrolled(DomainError):
    """The user has no active factor to challenge (must enroll first)."""


class NoUsableFactor(DomainError):
    """The user is enrolled, but none of their factors can be challenged here (a security
    question in a dialect that cannot ask it, a factor the enrollment policy disallows).
    A refusal, never an enrollment (R35); an administrator can reset the factors."""


class SecondFactorRequired(DomainError):
    """A bearer token earned without a second factor asks for power over factors that exist
    (R38): RFC 9470's `insufficient_user_authentication`."""


class UnsupportedChallengeType(DomainError):
    pass


class InvalidAuthenticator(DomainError):
    pass


class NotFound(DomainError):
    pass


class NoRecoveryCode(NotFound):
    """The user has no active recovery code to regenerate (none was issued, or it was never
    confirmed): a regeneration never creates one."""


class InvalidToken(DomainError):
    """A bearer token is missing, malformed, expired or not for this resource."""


class InsufficientScope(DomainError):
    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class InvalidRefreshToken(DomainError):
    pass


class RefreshNeedsMfa(InvalidRefreshToken):
    """A refresh token earned without a second factor, for the MFA API, of a user who has
    enrolled since (R38): the user signs in again with the second factor."""


class UserGone(DomainError):
    """A refresh token whose user no longer exists or is not active."""


class Conflict(DomainError):
    """A unique value (login, name) already exists."""

    def __init__(self, field: str, detail: str = "") -> None:
        super().__init__(detail or field)
        self.field = field


class ValidationFailed(DomainError):
    """Input failed validation; `causes` are (field, message) pairs."""

    def __init__(self, what: str, causes: list[tuple[str, str]]) -> None:
        super().__init__(what)
        self.what = what
        self.causes = causes


class UserStatus(ValidationFailed):
    """The user's status does not allow a lifecycle operation (e.g. suspending a user who is
    not active). A validation failure for dialects that know no better."""

    def __init__(self, operation: str, status: str, message: str) -> None:
        super().__init__("user", [("status", message)])
        self.operation = operation
        self.status = status


class AuthenticatorNotAllowed(DomainError):
    """The admin plane does not allow enrolling this authenticator (inactive, or NOT_ALLOWED
    in the enrollment policy, or the channel or use its settings turn off)."""

    def __init__(self, key: str, reason: str | None = None) -> None:
        super().__init__(reason or f"The {key} authenticator is not enabled for enrollment.")
        self.key = key


class AuthenticatorInUse(DomainError):
    """Okta E0000148: an authenticator enabled in a policy cannot be deactivated."""

    def __init__(self, policy_names: list[str]) -> None:
        super().__init__("Authenticator Enrollment Policies: " + ", ".join(policy_names))


class SystemPolicy(DomainError):
    """The Default Policy cannot be deleted."""


class PolicyDenied(DomainError):
    """No access policy rule of the authorization server allows this grant for this client
    (Okta: "Policy evaluation failed for this request")."""


class SendLimited(DomainError):
    """A code was not sent: the number or address got one less than `retry_after` seconds ago
    (`interval`: Okta's one per 30 s), or a send budget (per user, destination or country
    calling code, R27) is spent. No provider was called."""

    def __init__(self, rule: str, retry_after: int) -> None:
        super().__init__(f"send refused: {rule}")
        self.rule = rule
        self.retry_after = retry_after


class CodeNotDelivered(DomainError):
    """The provider failed or did not answer in time; nothing was sent that can be answered,
    and a new send may be tried at once."""


class UnknownChallenge(DomainError):
    """An oob_code that names no challenge of this transaction (or of this factor)."""


class ChallengeExpired(DomainError):
    """The challenge's code has expired (or was spent): a new one must be sent."""


class Unavailable(DomainError):
    """The database or Redis cannot be reached (or a process cannot vouch for what it remembers
    while Redis is away): nothing was decided, nothing accepted. Retryable: 503 in every dialect
    (R69: fail closed). `detail` names the part ("database", "redis"), never an address."""
