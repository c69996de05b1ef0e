"""Security › Authenticators: the Setup tab (the org's authenticators, add, activate,
deactivate, Google Authenticator's settings) and the Enrollment tab (each MFA_ENROLL policy's
Eligible authenticators: Optional, Required or Disabled), in Okta's words (seed 000).

Every change goes through the services the Okta management API uses, with Okta-shaped bodies,
so the console refuses exactly what the API refuses."""
from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.responses import Response

from ...domain.errors import DomainError, NotFound
from ...services import enrollment_policies, org_authenticators
from . import channel_authenticators, errors
from .web import PREFIX, Console, console_page, notice, redirect

router = APIRouter()

SECTION = "authenticators"
BASE = PREFIX + "/security/authenticators"
ENROLLMENT = BASE + "/enrollment"

ADDED = notice("authenticators-added", "Authenticator added. It is Disabled in every enrollment policy until you "
                                       "set it to Optional or Required on the Enrollment tab.")
ACTIVATED = notice("authenticators-activated", "Authenticator activated.")
DEACTIVATED = notice("authenticators-deactivated", "Authenticator deactivated.")
SAVED = notice("authenticators-saved", "Settings saved. New enrollments use them; existing enrollments keep theirs.")
POLICY_UPDATED = notice("authenticators-policy-updated", "Policy updated.")

# The console's words for enroll.self (Okta's Admin Console shows these).
MODES = {"OPTIONAL": "Optional", "REQUIRED": "Required", "NOT_ALLOWED": "Disabled"}

# What each catalogue authenticator is, for its tile and its Add dialog.
ABOUT = {
    "okta_password": "Users sign in with a password they choose.",
    "google_otp": "Users enter a six- or eight-digit code from Google Authenticator or another TOTP app.",
    "okta_verify": "Users enter a time-based code from the Okta Verify app.",
    "security_question": "Users answer a question they chose when they enrolled.",
    "okta_email": "Users receive a code by email.",
    "phone_number": "Users receive a code by SMS or voice call.",
}


TABS = [("Setup", BASE, "setup"), ("Enrollment", ENROLLMENT, "enrollment")]


def _refusal(exc: DomainError, fields: dict[str, str] | None = None,
             names: dict[str, str] | None = None) -> tuple[int, errors.Shown]:
    """The catalogue's sentence, with the service's field names and keys in this page's words
    ("period: …" → "Time step: …", "phone_number" → "Phone")."""
    status, summary, causes = errors.describe(exc)
    shown = []
    for cause in causes:
        path, sep, text = cause.partition(": ")
        if sep and path in (fields or {}):
            cause = f"{fields[path]}: {text}" if fields[path] else text
        for key, name in (names or {}).items():
            cause = re.sub(rf"\b{re.escape(key)}\b", name, cause)
        shown.append(cause)
    return status, errors.Shown(summary, shown)


def _dialog(c: Console, template: str, exc: DomainError | None = None, names: dict[str, str] | None = None,
            **ctx) -> Response:
    """A dialog page; a refusal is shown inside the dialog (the page's own error box would sit
    behind the backdrop)."""
    if exc is None:
        return c.page(template, dialog_error=None, **ctx)
    status, shown = _refusal(exc, {"authenticators": "", "key": ""}, names)
    return c.page(template, status=status, dialog_error=shown, **ctx)


# --- Setup tab -------------------------------------------------------------------------------

async def _setup(c: Console, exc: DomainError | None = None) -> Response:
    rows = await org_authenticators.list_all(c.rt)
    ctx = dict(section=SECTION, title="Authenticators", tabs=TABS, rows=rows, about=ABOUT)
    return c.failure(exc, "authenticators.html", **ctx) if exc else c.page("authenticators.html", **ctx)


@router.get(BASE)
@console_page(SECTION)
async def setup(c: Console) -> Response:
    return await _setup(c)


@router.get(BASE + "/add")
@console_page(SECTION)
async def add_catalogue(c: Console) -> Response:
    """Add authenticator: one tile per catalogue authenticator the org does not have yet."""
    have = {row.key for row in await org_authenticators.list_all(c.rt)}
    tiles = [(key, name, ABOUT.get(key, "")) for key, (_, name, _) in org_authenticators.CATALOG.items()
             if key not in have]
    return c.page("authenticators_add.html", section=SECTION, title="Add authenticator", tiles=tiles)


def _catalogued(key: str) -> tuple[str, str]:
    if key not in org_authenticators.CATALOG:
        raise NotFound(f"{key[:64]} (Authenticator)")
    return key, org_authenticators.CATALOG[key][1]


@router.get(BASE + "/add/{key}")
@console_page(SECTION)
async def add_dialog(c: Console, key: str) -> Response:
    key, name = _catalogued(key)
    return _dialog(c, "authenticators_add_dialog.html", section=SECTION, title=f"Add {name}", key=key, name=name,
                   about=ABOUT.get(key, ""))


@router.post(BASE + "/add/{key}")
@console_page(SECTION)
async def add(c: Console, key: str) -> Response:
    key, name = _catalogued(key)
    try:
        await org_authenticators.create(c.rt, {"key": key, "name": name}, activate=True, meta=c.meta)
    except DomainError as exc:
        return _dialog(c, "authenticators_add_dialog.html", exc, section=SECTION, title=f"Add {name}", key=key,
                       name=name, about=ABOUT.get(key, ""))
    return redirect(BASE + "?done=" + ADDED)


@router.post(BASE + "/{authenticator_id}/activate")
@console_page(SECTION)
async def activate(c: Console, authenticator_id: str) -> Response:
    await org_authenticators.set_status(c.rt, authenticator_id, "ACTIVE", meta=c.meta)
    return redirect(BASE + "?done=" + ACTIVATED)


@router.post(BASE + "/{authenticator_id}/deactivate")
@console_page(SECTION)
async def deactivate(c: Console, authenticator_id: str) -> Response:
    """Refused (Okta E0000148) while an active enrollment policy enables it: the Setup tab is
    shown again with the policies' names."""
    try:
        await org_authenticators.set_status(c.rt, authenticator_id, "INACTIVE", meta=c.meta)
    except DomainError as exc:
        return await _setup(c, exc)
    return redirect(BASE + "?done=" + DEACTIVATED)


# --- Google Authenticator's settings -----------------------------------------------------------

def _whole(value: str):
    """A form's number as an int when it is one; anything else goes to the service as sent, to
    be refused there with the API's own message."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else value


TOTP_FIELDS = {"digits": "Code length", "period": "Time step", "algorithm": "Algorithm"}


def _edit_page(c: Console, row, values: dict, exc: DomainError | None = None) -> Response:
    ctx = dict(section=SECTION, title=f"Edit {row.name}", row=row, values=values,
               algorithms=org_authenticators.TOTP_ALGORITHMS, invalid=set())
    if exc is None:
        return c.page("authenticators_edit.html", **ctx)
    status, shown = _refusal(exc, TOTP_FIELDS)
    ctx["invalid"] = {field for field, _ in getattr(exc, "causes", [])}  # aria-invalid on these
    return c.page("authenticators_edit.html", status=status, error=shown, **ctx)


EDITABLE = ("google_otp", *channel_authenticators.KEYS)  # TOTP for new enrollments; Phone's and Email's settings


async def _editable(c: Console, authenticator_id: str):
    row = await org_authenticators.get(c.rt, authenticator_id)
    if row.key not in EDITABLE:
        raise NotFound(f"settings of {row.name}")
    return row


@router.get(BASE + "/{authenticator_id}/edit")
@console_page(SECTION)
async def edit(c: Console, authenticator_id: str) -> Response:
    row = await _editable(c, authenticator_id)
    if row.key in channel_authenticators.KEYS:
        return channel_authenticators.page(c, row)
    settings = org_authenticators.settings_of(row)
    values = {k: str(settings.get(k, "")) for k in ("digits", "period", "algorithm")}
    return _edit_page(c, row, values)


async def _save_channels(c: Console, row) -> Response:
    values, settings = channel_authenticators.read_form(c, row)
    try:
        await org_authenticators.replace(c.rt, row.id, {"name": row.name, "settings": settings}, meta=c.meta)
    except DomainError as exc:
        return channel_authenticators.page(c, row, values, exc, _refusal(exc, channel_authenticators.FIELDS))
    return redirect(BASE + "?done=" + SAVED)


@router.post(BASE + "/{authenticator_id}/edit")
@console_page(SECTION)
async def save(c: Console, authenticator_id: str) -> Response:
    row = await _editable(c, authenticator_id)
    if row.key in channel_authenticators.KEYS:
        return await _save_channels(c, row)
    values = {k: c.form.get(k) for k in ("digits", "period", "algorithm")}
    settings = {"digits": _whole(values["digits"]), "period": _whole(values["period"]),
                "algorithm": values["algorithm"]}
    try:
        await org_authenticators.replace(c.rt, row.id, {"name": row.name, "settings": settings}, meta=c.meta)
    except DomainError as exc:
        return _edit_page(c, row, values, exc)
    return redirect(BASE + "?done=" + SAVED)


# --- Enrollment tab --------------------------------------------------------------------------

def _modes(policy, authenticators) -> list[tuple[object, str]]:
    """(authenticator, enroll.self) for every authenticator; an inactive one is Disabled
    whatever the policy says (that is what is enforced), one missing from the policy too."""
    return [(a, org_authenticators.enroll_self(policy, a.key) if a.status == "ACTIVE" else "NOT_ALLOWED")
            for a in authenticators]


@router.get(ENROLLMENT)
@console_page(SECTION)
async def enrollment(c: Console) -> Response:
    rows, authenticators = await enrollment_policies.list_all(c.rt, enrollment_policies.TYPE)
    rows = sorted(rows, key=lambda p: (p.system, p.priority))  # as evaluated: the Default Policy last
    policies = [(p, _modes(p, authenticators)) for p in rows]
    return c.page("authenticators_enrollment.html", section=SECTION, title="Authenticators", tabs=TABS,
                  policies=policies, modes=MODES)


def _policy_page(c: Console, policy, authenticators, choices: dict[str, str],
                 exc: DomainError | None = None) -> Response:
    return _dialog(c, "authenticators_policy.html", exc, {a.key: a.name for a in authenticators}, section=SECTION,
                   title=f"Edit {policy.name}", policy=policy, authenticators=authenticators, choices=choices,
                   modes=MODES)


@router.get(ENROLLMENT + "/{policy_id}/edit")
@console_page(SECTION)
async def edit_policy(c: Console, policy_id: str) -> Response:
    policy, authenticators = await enrollment_policies.get(c.rt, policy_id)
    choices = {a.key: mode for a, mode in _modes(policy, authenticators)}
    return _policy_page(c, policy, authenticators, choices)


@router.post(ENROLLMENT + "/{policy_id}/edit")
@console_page(SECTION)
async def update_policy(c: Console, policy_id: str) -> Response:
    """Update Policy: the whole AUTHENTICATORS list, through the policies service's replace, which
    keeps the policy's name, description, priority and status."""
    policy, authenticators = await enrollment_policies.get(c.rt, policy_id)
    choices = {}
    for a in authenticators:  # one added since the form was shown keeps what the policy says
        sent = c.form.get("enroll-" + a.key)
        choices[a.key] = sent if "enroll-" + a.key in c.form else org_authenticators.enroll_self(policy, a.key)
    values = {"name": policy.name, "description": policy.description, "priority": policy.priority,
              "status": policy.status, "authenticators": list(choices.items())}
    try:
        await enrollment_policies.replace(c.rt, policy.id, values, meta=c.meta)
    except DomainError as exc:
        return _policy_page(c, policy, authenticators, choices, exc)
    return redirect(ENROLLMENT + "?done=" + POLICY_UPDATED)
