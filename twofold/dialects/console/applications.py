"""Applications: the OIDC app integrations (the OAuth clients of both dialects), as Okta's Admin
Console shows them: a list, Create App Integration, and an app's General tab with its grant
types, lifecycle and client secret.

Edits go through the service behind the Okta Apps API, with the same neutral fields its adapter
reads from an app body, so the console and that API share every rule."""
from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.responses import Response

from ...domain import grants
from ...domain.errors import NotFound, ValidationFailed
from ...services import apps
from .labels import labelled
from .web import PREFIX, Console, console_page, notice, redirect

router = APIRouter()
BASE = PREFIX + "/applications"

GRANTS = tuple(labelled(grants.KNOWN))
AUTH_METHODS = (
    ("client_secret_basic", "Client secret (HTTP Basic)"),
    ("client_secret_post", "Client secret (in the request body)"),
    ("none", "None (public client, no secret)"),
)
AUTH_LABELS = dict(AUTH_METHODS)

CREATED = "The app integration was created."  # shown with the secret, never after a redirect
SAVED = notice("app-saved", "The app's settings were saved.")
ACTIVATED = notice("app-activated", "The app was activated.")
DEACTIVATED = notice("app-deactivated", "The app was deactivated: it cannot get tokens until it is activated again.")
NAME_LENGTH = "Enter the app integration name (at most 200 characters)."
DELETED = notice("app-deleted", "The app was deleted.")


def _app(row) -> dict:
    """What the templates show of an app (a client row), with labels."""
    method = row.token_endpoint_auth_method
    return {"id": row.client_id, "label": row.client_name, "status": row.status, "client_id": row.client_id,
            "auth_method": method, "auth_label": AUTH_LABELS.get(method, method),
            "application_type": row.application_type, "grant_types": json.loads(row.grant_types)}


def _chosen_grants(c: Console) -> list[str]:
    """The checked boxes. None is refused here (an app that may use no grant can do nothing);
    unknown values go on to the service, which names them."""
    chosen = c.form.getlist("grant_types")
    if not chosen:
        raise ValidationFailed("app", [("grant_types", "Select at least one grant type.")])
    return chosen


def _name(c: Console) -> str:
    name = c.form.get("label")
    if not name:
        raise ValidationFailed("app", [("label", "Enter the app integration name.")])
    return name


def _worded(exc: ValidationFailed) -> ValidationFailed:
    """The service's causes in the form's words (its name field is the label)."""
    return ValidationFailed(exc.what, [("label", NAME_LENGTH) if f == "client_name" else (f, m)
                                       for f, m in exc.causes])


# --- the list and Create App Integration ------------------------------------------------------------

@router.get(BASE)
@console_page("applications")
async def list_apps(c: Console) -> Response:
    rows = sorted(await apps.list_all(c.rt), key=lambda r: (r.client_name.casefold(), r.client_id))
    return c.page("applications.html", section="applications", title="Applications",
                  apps=[_app(r) for r in rows])


def _new_form(**ctx) -> dict:
    return {"section": "applications", "title": "Create App Integration", "grant_choices": GRANTS,
            "auth_methods": AUTH_METHODS, **ctx}


@router.get(BASE + "/new")
@console_page("applications")
async def new_app(c: Console) -> Response:
    return c.page("applications_new.html", **_new_form(
        values={"label": "", "auth_method": "client_secret_basic", "grant_types": [grants.AUTHORIZATION_CODE]}))


@router.post(BASE + "/new")
@console_page("applications")
async def create_app(c: Console) -> Response:
    values = {"label": c.form.get("label"), "auth_method": c.form.get("auth_method"),
              "grant_types": c.form.getlist("grant_types")}
    try:
        row, secret = await apps.create(c.rt, {"client_name": _name(c), "grant_types": _chosen_grants(c),
                                               "token_endpoint_auth_method": values["auth_method"]}, meta=c.meta)
    except ValidationFailed as exc:
        return c.failure(_worded(exc), "applications_new.html", **_new_form(values=values))
    # The secret is shown once, in this response; the URL stays free of it.
    return _app_page(c, row, new_secret=secret, notice=CREATED)


# --- one app ------------------------------------------------------------------------------------------

def _app_page(c: Console, row, *, chosen: list[str] | None = None, label: str | None = None,
              new_secret: str | None = None, refused: ValidationFailed | None = None, **extra) -> Response:
    """The app's page; after a refused save it keeps the administrator's choices."""
    app = _app(row)
    ctx = dict(section="applications", title=app["label"], app=app, grant_choices=GRANTS,
               chosen=app["grant_types"] if chosen is None else chosen,
               label_value=app["label"] if label is None else label, new_secret=new_secret, **extra)
    if refused is not None:
        return c.failure(refused, "applications_app.html", **ctx)
    return c.page("applications_app.html", **ctx)


@router.get(BASE + "/{app_id}")
@console_page("applications")
async def show_app(c: Console, app_id: str) -> Response:
    return _app_page(c, await apps.get(c.rt, app_id))


@router.post(BASE + "/{app_id}")
@console_page("applications")
async def save_app(c: Console, app_id: str) -> Response:
    """Save the General settings: name and grant types (PUT semantics through apps.replace)."""
    row = await apps.get(c.rt, app_id)
    try:
        # What the page does not edit (redirect URIs, response types) the service keeps as stored.
        await apps.replace(c.rt, app_id, {"client_name": _name(c), "grant_types": _chosen_grants(c),
                                          "application_type": row.application_type}, c.meta)
    except ValidationFailed as exc:  # shown with what the administrator chose, to correct it
        return _app_page(c, row, chosen=c.form.getlist("grant_types"), label=c.form.get("label"),
                         refused=_worded(exc))
    return redirect(f"{BASE}/{row.client_id}?done={SAVED}")


@router.post(BASE + "/{app_id}/secret")
@console_page("applications")
async def rotate_secret(c: Console, app_id: str) -> Response:
    """Generate a new client secret: the old one stops working at once; the new one is shown in
    this response only (no redirect, so it never reaches a URL or the history)."""
    row, secret = await apps.rotate_secret(c.rt, app_id, c.meta)
    return _app_page(c, row, new_secret=secret)


@router.post(BASE + "/{app_id}/lifecycle/{operation}")
@console_page("applications")
async def app_lifecycle(c: Console, app_id: str, operation: str) -> Response:
    row = await apps.get(c.rt, app_id)
    if operation == "delete":
        try:
            await apps.delete(c.rt, row.client_id, c.meta)
        except ValidationFailed as exc:  # Okta deletes only an inactive app
            return _app_page(c, row, refused=exc)
        return redirect(f"{BASE}?done={DELETED}")
    if operation not in ("activate", "deactivate"):
        raise NotFound(f"{operation[:64]} (Lifecycle operation)")
    await apps.set_status(c.rt, row.client_id, "ACTIVE" if operation == "activate" else "INACTIVE", c.meta)
    return redirect(f"{BASE}/{row.client_id}?done={ACTIVATED if operation == 'activate' else DEACTIVATED}")
