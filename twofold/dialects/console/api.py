"""Security › API: the custom authorization servers (Settings; Access Policies and their rules,
where seed 000 checks **MFA OTP** in the **Edit Rule** dialog and clicks **Update Rule**) and
the admin API tokens.

Every save hands what the form edits to the same service the management API calls (a server's
body rendered with the Okta dialect's view function and edited; a policy's or rule's fields in
the service's own terms), so validation is shared; refusals come back as the console's
sentences, by the service's field names, with the administrator's input kept."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.responses import Response

from ...domain import grants
from ...domain.errors import ValidationFailed
from ...services import api_tokens, apps, server_policies, servers
from . import errors
from .labels import labelled
from .web import PREFIX, Console, console_page, notice, redirect, when

router = APIRouter()
BASE = PREFIX + "/security/api"

SERVER_ADDED = notice("api-server-added", "Authorization server added.")
SERVER_SAVED = notice("api-server-saved", "Authorization server saved.")
SERVER_ACTIVATED = notice("api-server-activated", "Authorization server activated.")
SERVER_DEACTIVATED = notice("api-server-deactivated", "Authorization server deactivated.")
POLICY_ADDED = notice("api-policy-added", "Policy added.")
RULE_ADDED = notice("api-rule-added", "Rule added.")
RULE_UPDATED = notice("api-rule-updated", "Rule updated.")
TOKEN_REVOKED = notice("api-token-revoked", "Token revoked. Calls made with it are refused from now on.")

# Okta's Edit Rule dialog: "Client acting on behalf of itself" / "… of a user", Okta's labels.
ITSELF = "Client acting on behalf of itself"
ON_BEHALF = "Client acting on behalf of a user"
def grant_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every grant the service accepts, in Okta's order; one it may add later still shows up
    (under its URI) rather than silently dropping from a rule when it is saved."""
    choices = labelled(grants.RULE_GRANTS)
    return [(ITSELF, [c for c in choices if c[0] == grants.CLIENT_CREDENTIALS]),
            (ON_BEHALF, [c for c in choices if c[0] != grants.CLIENT_CREDENTIALS])]


# The service names the fields it refuses; the console says what to do, by field.
RULE_WORDS = {
    "name": "Rule Name cannot be left blank (at most 200 characters).",
    "priority": "Priority must be a whole number from 1 to 1000.",
    "grant_types": "Select at least one grant type.",
    "scopes": "List at least one scope, separated by spaces, or choose Any scopes.",
    "access_token_minutes":
        "Access token lifetime must be a whole number of minutes from 5 to 1440 (one day).",
    "refresh_token_minutes":
        "Refresh token lifetime must be 0 (unlimited) or a whole number of minutes at least the access token lifetime.",
    "refresh_window_minutes":
        "The refresh token's idle limit must be a whole number of minutes from 10 to 2628000 (5 years).",
}
SERVER_WORDS = {
    "name": "Name cannot be left blank.",
    "audiences": "Enter an audience, for example api://default.",
}
POLICY_WORDS = {
    "name": "Name cannot be left blank (at most 200 characters).",
    "clients": "Choose All clients, or select at least one client.",
}


def _refusal(exc: ValidationFailed, words: dict[str, str]) -> tuple[int, errors.Shown, set[str]]:
    """(status, the error box, the fields to mark invalid)."""
    worded = ValidationFailed(exc.what, [(f, words.get(f, m)) for f, m in exc.causes])
    status, summary, causes = errors.describe(worded)
    return status, errors.Shown(summary, causes), {f for f, _ in exc.causes}


def _when(ms: int | None) -> str:
    shown = when(ms)
    return shown["text"] if shown else ""


def _minutes(text: str):
    """A whole number of minutes; anything else goes to the service as it is, to be refused there."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else text


def _server_url(sid: str, tab: str = "") -> str:
    return f"{BASE}/servers/{sid}" + (f"/{tab}" if tab else "")


# --- Authorization Servers tab ---------------------------------------------------------------

def _server(c: Console, row) -> dict:
    """What the templates show of a custom authorization server."""
    return {"id": row.id, "name": row.name, "description": row.description, "status": row.status,
            "audiences": json.loads(row.audiences), "issuer": servers.custom_issuer(c.rt, row.id)}


async def _servers_page(c: Console, *, status: int = 200, **context) -> Response:
    rows = [_server(c, r) for r in await servers.list_custom(c.rt)]
    context.setdefault("dialog", False)
    return c.page("api_servers.html", status=status, section="api", title="API", servers=rows, **context)


@router.get(BASE)
@console_page("api")
async def authorization_servers(c: Console) -> Response:
    return await _servers_page(c)


@router.get(BASE + "/servers/new")
@console_page("api")
async def add_server_dialog(c: Console) -> Response:
    return await _servers_page(c, dialog=True, form={"name": "", "audience": "", "description": ""}, invalid=set(),
                               dialog_error=None)


@router.post(BASE + "/servers")
@console_page("api")
async def add_server(c: Console) -> Response:
    form = {"name": c.form.get("name"), "audience": c.form.get("audience"), "description": c.form.get("description")}
    body = {"name": form["name"], "audiences": form["audience"].split(), "description": form["description"]}
    try:
        row = await servers.create(c.rt, body, c.meta)
    except ValidationFailed as exc:
        status, shown, invalid = _refusal(exc, SERVER_WORDS)
        return await _servers_page(c, status=status, dialog=True, form=form, invalid=invalid, dialog_error=shown)
    return redirect(f"{_server_url(row.id)}?done={SERVER_ADDED}")


# --- one server: Settings tab ----------------------------------------------------------------

async def _settings_page(c: Console, sid: str, *, status: int = 200, form=None, invalid=frozenset(),
                         error=None) -> Response:
    server = _server(c, await servers.custom_row(c.rt, sid))
    form = form or {"name": server["name"], "audience": " ".join(server["audiences"]),
                    "description": server["description"] or ""}
    return c.page("api_server.html", status=status, section="api", title=server["name"], server=server, form=form,
                  invalid=invalid, error=error, tab="settings")


@router.get(BASE + "/servers/{sid}")
@console_page("api")
async def server_settings(c: Console, sid: str) -> Response:
    return await _settings_page(c, sid)


@router.post(BASE + "/servers/{sid}")
@console_page("api")
async def save_server(c: Console, sid: str) -> Response:
    await servers.custom_row(c.rt, sid)  # an unknown server is a 404 before the form is judged
    form = {"name": c.form.get("name"), "audience": c.form.get("audience"), "description": c.form.get("description")}
    body = {"name": form["name"], "audiences": form["audience"].split(), "description": form["description"]}
    try:
        await servers.replace(c.rt, sid, body, c.meta)
    except ValidationFailed as exc:
        status, shown, invalid = _refusal(exc, SERVER_WORDS)
        return await _settings_page(c, sid, status=status, form=form, invalid=invalid, error=shown)
    return redirect(f"{_server_url(sid)}?done={SERVER_SAVED}")


@router.post(BASE + "/servers/{sid}/lifecycle/{operation}")
@console_page("api")
async def server_lifecycle(c: Console, sid: str, operation: str) -> Response:
    if operation not in ("activate", "deactivate"):
        return c.page("error.html", status=404, section="api", title="Not found",
                      error=errors.Shown("Not found: there is no such page."))
    active = operation == "activate"
    await servers.set_status(c.rt, sid, "ACTIVE" if active else "INACTIVE", c.meta)
    return redirect(f"{_server_url(sid)}?done={SERVER_ACTIVATED if active else SERVER_DEACTIVATED}")


# --- one server: Access Policies tab ---------------------------------------------------------

def _rule_view(row) -> dict:
    granted = json.loads(row.grant_types)
    scopes = json.loads(row.scopes)
    return {"id": row.id, "name": row.name, "priority": row.priority, "status": row.status,
            "grants": [label for _, label in labelled(granted)],
            "scopes": "Any scopes" if "*" in scopes else ", ".join(scopes),
            "access": row.access_token_minutes,
            "refresh": "Unlimited" if row.refresh_token_minutes == 0 else f"{row.refresh_token_minutes} minutes"}


async def _policies_context(c: Console, sid: str, selected: str | None) -> dict:
    server = _server(c, await servers.custom_row(c.rt, sid))
    names = {a.client_id: a.client_name for a in await apps.list_all(c.rt)}
    policies = []
    for p in await server_policies.list_policies(c.rt, sid):
        clients = json.loads(p.clients)
        policies.append({"id": p.id, "name": p.name, "description": p.description or "", "status": p.status,
                         "priority": p.priority,
                         "clients": "All clients" if server_policies.ALL_CLIENTS in clients
                         else ", ".join(names.get(x, x) for x in clients)})
    policy = next((p for p in policies if p["id"] == selected), policies[0] if policies else None)
    rules = [_rule_view(r) for r in await server_policies.list_rules(c.rt, sid, policy["id"])] if policy else []
    return {"server": server, "policies": policies, "policy": policy, "rules": rules, "tab": "policies",
            "section": "api", "title": f"{server['name']}: Access Policies", "dialog": False}


@router.get(BASE + "/servers/{sid}/policies")
@console_page("api")
async def access_policies(c: Console, sid: str) -> Response:
    return c.page("api_policies.html", **await _policies_context(c, sid, c.request.query_params.get("policy")))


# Add Policy (Okta: name, description, "Assign to" all clients or the following clients).

async def _policy_dialog(c: Console, sid: str, form: dict, *, status: int = 200, invalid=frozenset(),
                         dialog_error=None) -> Response:
    context = await _policies_context(c, sid, None)
    context.update(dialog=True, form=form, invalid=invalid, dialog_error=dialog_error,
                   clients=[(a.client_id, a.client_name) for a in await apps.list_all(c.rt)])
    return c.page("api_policy_add.html", status=status, **context)


@router.get(BASE + "/servers/{sid}/policies/new")
@console_page("api")
async def add_policy_dialog(c: Console, sid: str) -> Response:
    return await _policy_dialog(c, sid, {"name": "", "description": "", "assign": "all", "clients": []})


@router.post(BASE + "/servers/{sid}/policies")
@console_page("api")
async def add_policy(c: Console, sid: str) -> Response:
    form = {"name": c.form.get("name"), "description": c.form.get("description"),
            "assign": "some" if c.form.get("assign") == "some" else "all", "clients": c.form.getlist("client")}
    include = [server_policies.ALL_CLIENTS] if form["assign"] == "all" else form["clients"]
    body = {"name": form["name"], "description": form["description"], "clients": include}
    try:
        row = await server_policies.create_policy(c.rt, sid, body, c.meta)
    except ValidationFailed as exc:
        status, shown, invalid = _refusal(exc, POLICY_WORDS)
        return await _policy_dialog(c, sid, form, status=status, invalid=invalid, dialog_error=shown)
    return redirect(f"{_server_url(sid, 'policies')}?policy={row.id}&done={POLICY_ADDED}")


# --- the Edit Rule / Add Rule dialog ---------------------------------------------------------

def _rule_form(row=None) -> dict:
    if row is None:
        return {"name": "", "grants": [], "scope_mode": "any", "scopes": "", "access": "60", "refresh": "0",
                "window": "10080"}
    scopes = json.loads(row.scopes)
    return {"name": row.name, "grants": json.loads(row.grant_types),
            "scope_mode": "any" if "*" in scopes else "listed", "scopes": " ".join(s for s in scopes if s != "*"),
            "access": str(row.access_token_minutes), "refresh": str(row.refresh_token_minutes),
            "window": str(row.refresh_window_minutes)}


def _posted_rule_form(c: Console) -> dict:
    return {"name": c.form.get("name"), "grants": c.form.getlist("grant_type"),
            "scope_mode": "listed" if c.form.get("scope_mode") == "listed" else "any",
            "scopes": c.form.get("scopes"), "access": c.form.get("access"), "refresh": c.form.get("refresh"),
            "window": c.form.get("window")}


def _rule_values(form: dict) -> dict:
    """What the dialog edits, in the service's terms (a replace keeps the rule's status and priority)."""
    return {"name": form["name"], "grant_types": form["grants"],
            "scopes": ["*"] if form["scope_mode"] == "any" else form["scopes"].split(),
            "access_token_minutes": _minutes(form["access"]), "refresh_token_minutes": _minutes(form["refresh"]),
            "refresh_window_minutes": _minutes(form["window"])}


async def _rule_dialog(c: Console, sid: str, pid: str, form: dict, *, rule_id: str | None = None,
                       status: int = 200, invalid=frozenset(), dialog_error=None) -> Response:
    context = await _policies_context(c, sid, pid)
    editing = rule_id is not None
    base = f"{_server_url(sid, 'policies')}/{pid}/rules"
    heading = "Edit Rule" if editing else "Add Rule"
    context.update(dialog=True, form=form, invalid=invalid, dialog_error=dialog_error, groups=grant_groups(),
                   heading=heading, title=f"{heading} · {context['server']['name']}",
                   submit="Update Rule" if editing else "Create Rule",
                   action=f"{base}/{rule_id}/edit" if editing else base,
                   cancel=f"{_server_url(sid, 'policies')}?policy={pid}")
    return c.page("api_rule.html", status=status, **context)


@router.get(BASE + "/servers/{sid}/policies/{pid}/rules/new")
@console_page("api")
async def add_rule_dialog(c: Console, sid: str, pid: str) -> Response:
    await server_policies.get_policy(c.rt, sid, pid)
    return await _rule_dialog(c, sid, pid, _rule_form())


@router.post(BASE + "/servers/{sid}/policies/{pid}/rules")
@console_page("api")
async def add_rule(c: Console, sid: str, pid: str) -> Response:
    form = _posted_rule_form(c)
    try:
        await server_policies.create_rule(c.rt, sid, pid, _rule_values(form), c.meta)
    except ValidationFailed as exc:
        status, shown, invalid = _refusal(exc, RULE_WORDS)
        return await _rule_dialog(c, sid, pid, form, status=status, invalid=invalid, dialog_error=shown)
    return redirect(f"{_server_url(sid, 'policies')}?policy={pid}&done={RULE_ADDED}")


@router.get(BASE + "/servers/{sid}/policies/{pid}/rules/{rid}/edit")
@console_page("api")
async def edit_rule_dialog(c: Console, sid: str, pid: str, rid: str) -> Response:
    row = await server_policies.get_rule(c.rt, sid, pid, rid)
    return await _rule_dialog(c, sid, pid, _rule_form(row), rule_id=rid)


@router.post(BASE + "/servers/{sid}/policies/{pid}/rules/{rid}/edit")
@console_page("api")
async def update_rule(c: Console, sid: str, pid: str, rid: str) -> Response:
    await server_policies.get_rule(c.rt, sid, pid, rid)  # an unknown rule is a 404 before the form is judged
    form = _posted_rule_form(c)
    try:
        await server_policies.replace_rule(c.rt, sid, pid, rid, _rule_values(form), c.meta)
    except ValidationFailed as exc:
        status, shown, invalid = _refusal(exc, RULE_WORDS)
        return await _rule_dialog(c, sid, pid, form, rule_id=rid, status=status, invalid=invalid,
                                  dialog_error=shown)
    return redirect(f"{_server_url(sid, 'policies')}?policy={pid}&done={RULE_UPDATED}")


# --- Tokens tab --------------------------------------------------------------------------------

async def _tokens_page(c: Console, *, status: int = 200, created: str | None = None, created_name: str = "",
                       form_name: str = "", error=None) -> Response:
    rows = [{"id": r.id, "name": r.name, "created": _when(r.created_at)} for r in await api_tokens.list_active(c.rt)]
    return c.page("api_tokens.html", status=status, section="api", title="API: Tokens", tokens=rows,
                  created=created, created_name=created_name, form_name=form_name, error=error)


@router.get(BASE + "/tokens")
@console_page("api")
async def tokens(c: Console) -> Response:
    return await _tokens_page(c)


@router.post(BASE + "/tokens")
@console_page("api")
async def create_token(c: Console) -> Response:
    """The value is shown once, in this response (no-store), never in a URL."""
    name = c.form.get("name")
    try:
        value = await api_tokens.create(c.rt, name, meta=c.meta)
    except ValidationFailed as exc:
        status, shown, _ = _refusal(exc, {"name": "Enter a name for the token (at most 200 characters)."})
        return await _tokens_page(c, status=status, form_name=name, error=shown)
    return await _tokens_page(c, created=value, created_name=name)


@router.post(BASE + "/tokens/{token_id}/revoke")
@console_page("api")
async def revoke_token(c: Console, token_id: str) -> Response:
    await api_tokens.revoke(c.rt, token_id, meta=c.meta)
    return redirect(f"{BASE}/tokens?done={TOKEN_REVOKED}")
