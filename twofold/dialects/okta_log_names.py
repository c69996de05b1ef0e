"""Okta's names for the audit log, shared by the two Okta-shaped views of it (the System Log API,
dialects/okta/logs, and the Admin Console's System Log and Dashboard): the one table that names
our event types as Okta's eventType and displayMessage, the outcome reasons, severities and the
system actor of a LogEvent, and the searches by those names (Okta's SCIM `filter` attributes and
the `q` keywords) as conditions of services/system_log, which reads the rows."""
from __future__ import annotations

from dataclasses import dataclass

from ..services import system_log


@dataclass(frozen=True)
class Kind:
    okta: str  # Okta's eventType
    message: str  # Okta's displayMessage


# Our event_type -> how Okta shows it. Names without a known Okta equivalent keep ours (and so
# does any event type missing here). Which of them are an administrator's acts (the actor is the
# system or the administrator, the user a target) is services.system_log.ADMIN_TYPES.
# Documented in docs/compatibility.md ("System Log").
EVENTS: dict[str, Kind] = {
    "user.authentication.password": Kind("user.session.start", "User login to Okta"),
    "mfa.verify": Kind("user.authentication.auth_via_mfa", "Authentication of user via MFA"),
    "mfa.challenge": Kind("mfa.challenge", "MFA challenge issued"),
    "user.mfa.lockout": Kind("user.account.lock", "Max sign in attempts exceeded"),
    "factor.enroll": Kind("user.mfa.factor.update", "Enroll factor"),
    "factor.activate": Kind("user.mfa.factor.activate", "Activate factor or authenticator"),
    "factor.delete": Kind("user.mfa.factor.deactivate", "Reset factor for user"),
    "user.mfa.factor.reset_all": Kind("user.mfa.factor.reset_all", "Reset all factors for user"),
    # Okta has no recovery codes: ours keeps its name
    "factor.recovery_code.regenerate": Kind("factor.recovery_code.regenerate", "Regenerate recovery code"),
    "token.issue": Kind("app.oauth2.as.token.grant.access_token", "OAuth2 access token is granted"),
    "token.refresh": Kind("token.refresh", "Refresh token reuse detected"),
    "token.revoke": Kind("token.revoke", "Refresh token revoked"),
    "user.lifecycle.create": Kind("user.lifecycle.create", "Create Okta user"),
    "user.lifecycle.activate": Kind("user.lifecycle.activate", "Activate Okta user"),
    "user.lifecycle.deactivate": Kind("user.lifecycle.deactivate", "Deactivate Okta user"),
    "user.lifecycle.suspend": Kind("user.lifecycle.suspend", "Suspend Okta user"),
    "user.lifecycle.unsuspend": Kind("user.lifecycle.unsuspend", "Unsuspend Okta user"),
    "user.lifecycle.delete.completed": Kind("user.lifecycle.delete.completed", "Delete Okta user completed"),
    "user.account.update_profile": Kind("user.account.update_profile", "Update user profile for Okta"),
    "user.account.update_password": Kind("user.account.update_password", "Update user password"),
    "user.account.unlock": Kind("user.account.unlock", "Unlock user account"),
    "authenticator.create": Kind("security.authenticator.lifecycle.create", "Create authenticator"),
    "authenticator.update": Kind("security.authenticator.lifecycle.update", "Update authenticator"),
    "authenticator.lifecycle.activate": Kind("security.authenticator.lifecycle.activate",
                                             "Activate authenticator"),
    "authenticator.lifecycle.deactivate": Kind("security.authenticator.lifecycle.deactivate",
                                               "Deactivate authenticator"),
    # a method (Phone's sms or voice) turned on or off: Okta logs it as an update of the authenticator
    "authenticator.method.activate": Kind("security.authenticator.lifecycle.update", "Update authenticator"),
    "authenticator.method.deactivate": Kind("security.authenticator.lifecycle.update", "Update authenticator"),
    "policy.lifecycle.create": Kind("policy.lifecycle.create", "Add policy"),
    "policy.lifecycle.update": Kind("policy.lifecycle.update", "Update policy"),
    "policy.lifecycle.delete": Kind("policy.lifecycle.delete", "Delete policy"),
    "api_token.create": Kind("system.api_token.create", "Create API token"),
    "api_token.revoke": Kind("system.api_token.revoke", "Revoke API token"),
    # the Admin Console's own sign-in (its password step is user.authentication.password above)
    "user.session.start": Kind("user.session.start", "User login to Okta"),
    "user.session.end": Kind("user.session.end", "User logout from Okta"),
    "user.account.privilege.grant": Kind("user.account.privilege.grant", "Grant user privilege"),
    # an administrator read a factor's full phone number or address (no Okta equivalent: ours)
    "factor.destination.reveal": Kind("factor.destination.reveal", "Reveal factor phone number or email address"),
    # apps (Okta's Apps API); Okta logs a new client secret as app.oauth2.credentials.lifecycle.*, which
    # adds a secret beside the old one: ours replaces it at once, so it keeps its own name
    "application.lifecycle.create": Kind("application.lifecycle.create", "Create application"),
    "application.lifecycle.update": Kind("application.lifecycle.update", "Update application"),
    "application.lifecycle.activate": Kind("application.lifecycle.activate", "Activate application"),
    "application.lifecycle.deactivate": Kind("application.lifecycle.deactivate", "Deactivate application"),
    "application.lifecycle.delete": Kind("application.lifecycle.delete", "Delete application"),
    "application.client_secret.rotate": Kind("application.client_secret.rotate", "Rotate client secret"),
    # custom authorization servers, their access policies (policy.lifecycle.* above) and rules
    "oauth2.as.created": Kind("oauth2.as.created", "Create authorization server"),
    "oauth2.as.updated": Kind("oauth2.as.updated", "Update authorization server"),
    "oauth2.as.activated": Kind("oauth2.as.activated", "Activate authorization server"),
    "oauth2.as.deactivated": Kind("oauth2.as.deactivated", "Deactivate authorization server"),
    "oauth2.as.deleted": Kind("oauth2.as.deleted", "Delete authorization server"),
    "oauth2.as.scope.created": Kind("oauth2.scope.created", "Create OAuth2 scope"),
    "oauth2.as.scope.updated": Kind("oauth2.scope.updated", "Update OAuth2 scope"),
    "oauth2.as.scope.deleted": Kind("oauth2.scope.deleted", "Delete OAuth2 scope"),
    "oauth2.as.claim.created": Kind("oauth2.claim.created", "Create OAuth2 claim"),
    "oauth2.as.claim.updated": Kind("oauth2.claim.updated", "Update OAuth2 claim"),
    "oauth2.as.claim.deleted": Kind("oauth2.claim.deleted", "Delete OAuth2 claim"),
    "policy.lifecycle.activate": Kind("policy.lifecycle.activate", "Activate policy"),
    "policy.lifecycle.deactivate": Kind("policy.lifecycle.deactivate", "Deactivate policy"),
    "policy.rule.create": Kind("policy.rule.add", "Add policy rule"),
    "policy.rule.update": Kind("policy.rule.update", "Update policy rule"),
    "policy.rule.activate": Kind("policy.rule.activate", "Activate policy rule"),
    "policy.rule.deactivate": Kind("policy.rule.deactivate", "Deactivate policy rule"),
    "policy.rule.delete": Kind("policy.rule.delete", "Delete policy rule"),
}

# Okta's names as a sorted list (the Admin Console offers them as suggestions).
OKTA_TYPES = sorted({k.okta for k in EVENTS.values()})
# Our reasons -> Okta-style outcome reasons; others are shown upper-cased.
REASONS = {
    "invalid_credentials": "INVALID_CREDENTIALS",
    "invalid_code": "INVALID_CREDENTIALS",
    "replayed": "PASSCODE_REPLAYED",
    "locked_out": "LOCKED_OUT",
}
WARN_TYPES = frozenset({"user.mfa.lockout", "token.refresh"})

# The actor of management-API events: audit rows do not record which API token acted.
SYSTEM_ACTOR = {"id": system_log.SYSTEM, "type": "SystemPrincipal", "alternateId": system_log.SYSTEM,
                "displayName": "Management API"}


def kind_of(event_type: str) -> Kind:
    return EVENTS.get(event_type) or Kind(event_type, event_type)


def reason_of(reason: str | None) -> str | None:
    if not reason:
        return None
    return REASONS.get(reason, reason.upper())[:255]


def severity_of(event_type: str, outcome: str) -> str:
    return "WARN" if outcome != "SUCCESS" or event_type in WARN_TYPES else "INFO"


# --- filter: the comparisons Okta's SCIM `filter` may use here (grammar: dialects/okta/scim_filter)

FILTER_ATTRIBUTES = {"eventType": ("eq", "sw", "co"), "outcome.result": ("eq",), "actor.id": ("eq",)}
_TEXT_OPS = {"eq": "ieq", "sw": "istartswith", "co": "icontains"}


def _event_types(op: str, value: str):
    """Rows whose shown eventType matches: ours mapped to a matching Okta name, and unmapped
    names that match themselves. Case-insensitive, as SCIM compares strings."""
    v = value.lower()
    test = {"eq": lambda n: n.lower() == v, "sw": lambda n: n.lower().startswith(v),
            "co": lambda n: v in n.lower()}[op]
    mapped = {t for t, k in EVENTS.items() if test(k.okta)}
    return system_log.types_named(mapped, set(EVENTS), _TEXT_OPS[op], value)


def condition(attribute: str, op: str, literal: str):
    """One comparison of FILTER_ATTRIBUTES as a condition for services.system_log.page."""
    if attribute == "eventType":
        return _event_types(op, literal)
    if attribute == "outcome.result":
        return system_log.outcome_is(literal.upper())
    return system_log.acted_by(literal)


# --- q: keywords ----------------------------------------------------------------------------------

def parse_keywords(q: str):
    """Every keyword (case-insensitive) must occur in the eventType, the displayMessage, the
    actor, a target or the client's IP address. system_log.BadKeywords past the limits."""
    conditions = []
    for w in system_log.keywords(q):
        shown = {t for t, k in EVENTS.items() if w in k.okta.lower() or w in k.message.lower()}
        options = [system_log.types_named(shown, set(EVENTS), "icontains", w), *system_log.in_text(w)]
        if w in SYSTEM_ACTOR["displayName"].lower() or w in SYSTEM_ACTOR["type"].lower():
            options.append(system_log.SYSTEM_ADMIN_ACTS)
        conditions.append(("or", options))
    return system_log.combine(conditions)
