"""The System Log's Okta names live in the dialects (dialects/okta_log_names); services/system_log,
which reads the audit rows, stays dialect-neutral (issue #11)."""
from __future__ import annotations

import re
from pathlib import Path

from twofold.dialects import okta_log_names
from twofold.services import system_log

# Okta's wire terms a LogEvent or its search shows, beyond the names in the table.
_WIRE_TERMS = ("okta", "eventType", "displayMessage", "SystemPrincipal", "Management API", "outcome.result",
               "actor.id", "INVALID_CREDENTIALS", "PASSCODE_REPLAYED")


def _okta_terms() -> set[str]:
    """Every Okta name the table gives that is not also one of our own event types."""
    ours = set(okta_log_names.EVENTS)
    shown = {k.message for k in okta_log_names.EVENTS.values()}
    shown |= {k.okta for k in okta_log_names.EVENTS.values() if k.okta not in ours}
    shown |= {okta_log_names.SYSTEM_ACTOR["type"], okta_log_names.SYSTEM_ACTOR["displayName"]}
    return shown | set(_WIRE_TERMS) | set(okta_log_names.REASONS.values())


def _named_in(text: str) -> set[str]:
    """The terms as written (the wire's case: "the management API" is ours too), and Okta in any case."""
    return {t for t in _okta_terms() if re.search(r"(?<![\w.])" + re.escape(t) + r"(?![\w])", text,
                                                  re.I if t == "okta" else 0)}


def test_the_service_names_none_of_oktas_terms():
    assert _named_in(Path(system_log.__file__).read_text()) == set()


def test_the_check_finds_an_okta_term():
    assert _named_in('actor = {"type": "SystemPrincipal"}  # user.account.lock: Okta') == {
        "SystemPrincipal", "user.account.lock", "okta"}
    assert _named_in("through the management API, policy.lifecycle.create") == set()


def test_every_administrators_act_has_an_okta_name():
    """The services' ADMIN_TYPES (whose actor is the system or the Admin Console's administrator)
    are events the table names, as the "actor" column of docs/compatibility.md lists them."""
    assert system_log.ADMIN_TYPES <= set(okta_log_names.EVENTS)
    assert okta_log_names.SYSTEM_ACTOR["id"] == system_log.SYSTEM
