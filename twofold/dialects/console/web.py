"""What every Admin Console page shares: the session cookie, CSRF, form reading, rendering and
the headers that keep pages out of caches and frames.

The console is server-rendered HTML (Jinja2, autoescaped). Secrets never travel in a URL:
forms are POSTed, results come back in the page, and notices after a redirect are named by a
fixed key (`?done=…`) whose text lives here."""
from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ...domain.errors import DomainError
from ...services import console_auth
from ...services.runtime import RequestMeta, Runtime
from ..http import BodyTooLarge, meta, read_body, runtime
from . import errors

SESSION_COOKIE = "twofold_console"
BROWSER_COOKIE = "twofold_console_browser"  # before sign-in: binds the sign-in form's CSRF token
PREFIX = "/admin"
MAX_FIELD = 4096

HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # our own forms carry their Origin; other sites learn nothing
}

# Texts shown after a redirect, by key (the URL carries the key, never data).
NOTICES: dict[str, str] = {}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)


def notice(key: str, text: str) -> str:
    NOTICES[key] = text
    return key


def csrf_token(cookie: str) -> str:
    """Bound to the cookie, which pages cannot read (HttpOnly): a forged form lacks it."""
    digest = hashlib.sha256(b"twofold-console-csrf\x00" + cookie.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class CsrfRefused(Exception):
    pass


class Form:
    """A urlencoded form; checkbox groups repeat a name, so values are lists."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for k, v in pairs:
            self._values.setdefault(k, []).append(v)

    def get(self, name: str, default: str = "") -> str:
        values = self._values.get(name)
        return values[0].strip() if values else default

    def raw(self, name: str) -> str:
        """Unstripped (passwords)."""
        values = self._values.get(name)
        return values[0] if values else ""

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for v in self._values.get(name, [])]

    def __contains__(self, name: str) -> bool:
        return name in self._values


async def read_form(request: Request) -> Form:
    """The form, read before its CSRF token is checked: a form too large is refused as such
    (FormTooLarge, 413), never as an expired one."""
    try:
        body = await read_body(request)
    except BodyTooLarge as exc:
        raise errors.FormTooLarge() from exc
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError as exc:
        raise errors.BadForm("The form was not sent as UTF-8.") from exc
    for k, v in pairs:
        if "\x00" in k or "\x00" in v:
            raise errors.BadForm("A field of the form holds a NUL character.")
        if len(v) > MAX_FIELD:
            raise errors.FormTooLarge()
    return Form(pairs)


def _same_origin(request: Request) -> bool:
    """The browser must say the form came from our own pages (a defence beside the token):
    Fetch Metadata where sent, else Origin, else Referer."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    ours = f"{request.url.scheme}://{request.headers.get('host', '')}"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == ours  # `null` (an opaque origin) is refused
    referer = request.headers.get("referer")
    if referer is not None:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == ours
    return True  # old clients send neither: the token alone decides


def check_csrf(request: Request, form: Form, cookie: str | None) -> None:
    sent = form.get("csrf")
    # Bytes: compare_digest refuses non-ASCII str with a TypeError, and any sent value may be odd.
    if not cookie or not sent or not hmac.compare_digest(sent.encode(), csrf_token(cookie).encode()) \
            or not _same_origin(request):
        raise CsrfRefused()


def secure_cookies(rt: Runtime) -> bool:
    return rt.settings.resolved_issuer.startswith("https://")


def set_cookie(response: Response, rt: Runtime, name: str, value: str) -> None:
    response.set_cookie(name, value, path=PREFIX, httponly=True, samesite="strict", secure=secure_cookies(rt))


def clear_cookie(response: Response, rt: Runtime, name: str) -> None:
    response.delete_cookie(name, path=PREFIX, httponly=True, samesite="strict", secure=secure_cookies(rt))


def render(request: Request, template: str, *, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("admin", None)
    context.setdefault("csrf", "")
    context.setdefault("section", "")
    context.setdefault("error", None)
    done = request.query_params.get("done")
    context.setdefault("notice", NOTICES.get(done) if done else None)
    html = _TEMPLATES.get_template(template).render(request_path=request.url.path, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=HEADERS)


def safe_next(value: str | None) -> str:
    """Only a path inside the console: never another site (no open redirect)."""
    if value and value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value \
            and all(c.isprintable() for c in value):
        return value
    return PREFIX + "/"


@dataclass
class Console:
    """One request of a signed-in administrator."""

    request: Request
    rt: Runtime
    admin: console_auth.ConsoleSession
    cookie: str
    form: Form = field(default_factory=lambda: Form([]))

    @property
    def meta(self) -> RequestMeta:
        m = meta(self.request)
        m.actor_id = self.admin.user_id
        return m

    def page(self, template: str, *, status: int = 200, **context) -> HTMLResponse:
        return render(self.request, template, status=status, admin=self.admin, csrf=csrf_token(self.cookie),
                      **context)

    def failure(self, exc: DomainError, template: str = "error.html", **context) -> HTMLResponse:
        status, summary, causes = errors.describe(exc)
        return self.page(template, status=status, error=errors.Shown(summary, causes), **context)


def console_page(section: str):
    """A page behind sign-in: redirects to the sign-in page without a session, checks CSRF on
    POST, and turns refusals into the console's error page."""

    def decorate(handler):
        sig = inspect.signature(handler)

        async def wrapped(request: Request, **kwargs) -> Response:
            rt = runtime(request)
            cookie = request.cookies.get(SESSION_COOKIE)
            admin = await console_auth.current(rt, cookie)
            if admin is None:
                target = request.url.path if request.method == "GET" else PREFIX + "/"
                return redirect(f"{PREFIX}/signin?next={quote(target)}")
            c = Console(request, rt, admin, cookie)
            try:
                if request.method == "POST":
                    c.form = await read_form(request)
                    check_csrf(request, c.form, cookie)
                return await handler(c, **kwargs)
            except CsrfRefused:
                return c.page("error.html", status=403, section=section, error=errors.CSRF)
            except DomainError as exc:
                return c.failure(exc, section=section)

        wrapped.__name__ = handler.__name__
        wrapped.__doc__ = handler.__doc__
        wrapped.__signature__ = sig.replace(parameters=[
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            *list(sig.parameters.values())[1:],
        ])
        return wrapped

    return decorate


def when(ms: int | None) -> dict | None:
    """A time as pages show it (UTC, to the minute) and as <time datetime> reads it."""
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return {"text": dt.strftime("%Y-%m-%d %H:%M UTC"), "iso": dt.strftime("%Y-%m-%dT%H:%M:%SZ")}


def page_number(value: str | None, default: int = 1) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else default


__all__ = ["Console", "console_page", "render", "redirect", "notice", "NOTICES", "csrf_token", "Form",
           "SESSION_COOKIE", "BROWSER_COOKIE", "PREFIX"]
