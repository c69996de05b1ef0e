"""Signing in to the Admin Console: password, then a TOTP code (or, the first time, enrolling
an authenticator app), then a session cookie bound to this browser. Signing out ends it."""
from __future__ import annotations

import functools
import secrets
from urllib.parse import quote

import segno
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ... import authenticators
from ...domain.errors import DomainError, InvalidCredentials, TooManyAttempts, Unavailable
from ...services import console_auth, factors
from ...services.console_auth import SignInFailed
from ..http import meta, runtime
from . import errors
from .web import (
    BROWSER_COOKIE, PREFIX, SESSION_COOKIE, CsrfRefused, Form, check_csrf, clear_cookie, csrf_token, notice, read_form,
    redirect, render, safe_next, set_cookie,
)

router = APIRouter()

EXPIRED = notice("signin-expired", "Your sign-in expired. Sign in again.")
SIGNED_OUT = notice("signed-out", "You are signed out.")


async def _checked_form(request: Request, cookie: str | None) -> Form | None:
    """The form, if its CSRF token matches `cookie` and it came from our pages; else None. A
    form too large or malformed raises errors.BadForm: see _unreadable_forms."""
    form = await read_form(request)
    try:
        check_csrf(request, form, cookie)
    except CsrfRefused:
        return None
    return form


def _unreadable_forms(handler):
    """Answers a form too large (413) or malformed (400) on the sign-in page, saying so."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except errors.BadForm as exc:
            status, summary, causes = errors.describe(exc)
            return _signin_page(request, status=status, error=errors.Shown(summary, causes))

    return wrapped


def _qr_data_uri(key_uri: str) -> str:
    # In the page itself, never a URL another request could fetch (R39).
    return segno.make(key_uri, error="m").png_data_uri(scale=5, border=4)


def _browser_cookie(request: Request) -> tuple[str, bool]:
    value = request.cookies.get(BROWSER_COOKIE)
    if value and 20 <= len(value) <= 100:
        return value, False
    return secrets.token_urlsafe(32), True


def _signin_page(request: Request, *, status: int = 200, error=None, username: str = "",
                 next_url: str = "") -> Response:
    browser, fresh = _browser_cookie(request)
    response = render(request, "signin.html", status=status, csrf=csrf_token(browser), error=error,
                      username=username, next_url=safe_next(next_url or request.query_params.get("next")))
    if fresh:
        set_cookie(response, runtime(request), BROWSER_COOKIE, browser)
    return response


@router.get(PREFIX)
async def console_root() -> Response:
    return redirect(PREFIX + "/")


@router.get(PREFIX + "/signin")
async def signin_form(request: Request) -> Response:
    if await console_auth.current(runtime(request), request.cookies.get(SESSION_COOKIE)):
        return redirect(safe_next(request.query_params.get("next")))
    return _signin_page(request)


@router.post(PREFIX + "/signin")
@_unreadable_forms
async def signin_password(request: Request) -> Response:
    rt = runtime(request)
    form = await _checked_form(request, request.cookies.get(BROWSER_COOKIE))
    if form is None:
        return _signin_page(request, status=403, error=errors.CSRF)
    username, next_url = form.get("username"), form.get("next")
    if not username or not form.raw("password"):
        return _signin_page(request, status=400, username=username, next_url=next_url,
                            error=errors.Shown("Enter your username and password."))
    try:
        cookie = await console_auth.sign_in_password(rt, username, form.raw("password"), meta(request))
    except (InvalidCredentials, TooManyAttempts) as exc:
        status, summary, causes = errors.describe(exc)
        return _signin_page(request, status=status, username=username, next_url=next_url,
                            error=errors.Shown(summary, causes))
    except Unavailable:
        raise  # 503 (app.py), not a verdict on the password
    except DomainError:  # an unknown realm or the like: the same answer as a wrong password
        status, summary, causes = errors.describe(InvalidCredentials())
        return _signin_page(request, status=status, username=username, next_url=next_url,
                            error=errors.Shown(summary, causes))
    response = redirect(f"{PREFIX}/signin/factor?next={quote(safe_next(next_url))}")
    set_cookie(response, rt, SESSION_COOKIE, cookie)
    return response


def _question_text(factors_: list) -> str:
    return authenticators.get(factors_[0].type).prompt(factors_[0]) if factors_ else ""


async def _step(rt, cookie: str | None) -> tuple[str, list]:
    """The page for what the administrator must do now (console_auth.second_factor_state):
    the sign-in step of the factor type asked first ("verify" for an authenticator app's code,
    "question" for a security question) with the factors it asks, "enroll" or "unusable"."""
    decision = await console_auth.second_factor_state(rt, cookie)
    if decision.kind == "challenge":
        mode = authenticators.get(decision.factors[0].type).console_step
        return mode, [f for f in decision.factors if authenticators.get(f.type).console_step == mode]
    return ("enroll" if decision.kind == "enroll" else "unusable"), []


def _factor_page(request: Request, cookie: str, *, mode: str, status: int = 200, error=None,
                 enrollment: factors.FactorInfo | None = None, next_url: str | None = None,
                 question: str = "") -> Response:
    activation = enrollment.activation if enrollment else None
    return render(request, "signin_factor.html", status=status, csrf=csrf_token(cookie), error=error, mode=mode,
                  question=question,
                  next_url=safe_next(next_url or request.query_params.get("next")),
                  factor_id=enrollment.view.id if enrollment else "",
                  secret=activation.shared_secret if activation else "",
                  qr=_qr_data_uri(activation.key_uri) if activation else "")


@router.get(PREFIX + "/signin/factor")
async def factor_form(request: Request) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        mode, found = await _step(runtime(request), cookie)
    except SignInFailed:
        return redirect(f"{PREFIX}/signin?done={EXPIRED}")
    return _factor_page(request, cookie, mode={"enroll": "enroll-intro"}.get(mode, mode),
                        status=403 if mode == "unusable" else 200,
                        question=_question_text(found) if mode == "question" else "")


@router.post(PREFIX + "/signin/factor")
@_unreadable_forms
async def factor_submit(request: Request) -> Response:
    """The code of the administrator's authenticator app; or, with `action=enroll`, enrolling one."""
    rt = runtime(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    form = await _checked_form(request, cookie)
    if form is None:
        return redirect(f"{PREFIX}/signin?done={EXPIRED}")
    next_url = safe_next(form.get("next"))
    try:
        outcome = await _second_step(request, cookie, form, next_url)
    except SignInFailed:
        return redirect(f"{PREFIX}/signin?done={EXPIRED}")
    if isinstance(outcome, Response):
        return outcome
    response = redirect(next_url)
    set_cookie(response, rt, SESSION_COOKIE, outcome)
    return response


async def _second_step(request: Request, cookie: str, form: Form, next_url: str) -> str | Response:
    """The signed-in session's new cookie, or the page to show: the new authenticator's QR code
    (in this answer only), or the refusal with what to do."""
    rt, m = runtime(request), meta(request)
    code, enrolling = form.get("code").replace(" ", ""), form.get("action") == "enroll"
    mode, found = await _step(rt, cookie)
    try:
        if mode == "verify":
            return await console_auth.sign_in_code(rt, cookie, code, m)
        if mode == "unusable":
            return _factor_page(request, cookie, next_url=next_url, mode="unusable", status=403)
        if mode == "question":
            await console_auth.answer_question(rt, cookie, form.raw("answer"), m)
            return _factor_page(request, cookie, next_url=next_url, mode="enroll-intro")
        if enrolling:
            info = await console_auth.start_enrollment(rt, cookie, m)
            return _factor_page(request, cookie, next_url=next_url, mode="enroll", enrollment=info)
        return await console_auth.finish_enrollment(rt, cookie, form.get("factor_id"), code, m)
    except SignInFailed:
        raise
    except DomainError as exc:  # a wrong code, a lockout, no authenticator app allowed, …
        status, summary, causes = errors.describe(exc)
        shown = errors.Shown(summary, causes)
        if mode in ("verify", "question"):
            return _factor_page(request, cookie, next_url=next_url, mode=mode, status=status, error=shown,
                                question=_question_text(found) if mode == "question" else "")
        info = None if enrolling else await _pending_factor(rt, cookie, form.get("factor_id"))
        return _factor_page(request, cookie, next_url=next_url, mode="enroll" if info else "enroll-intro",
                            status=status, error=shown, enrollment=info)


async def _pending_factor(rt, cookie: str, factor_id: str) -> factors.FactorInfo | None:
    """The enrollment being confirmed, to show its QR code again after a wrong code."""
    try:
        user_id = await console_auth.pending_user(rt, cookie)
        info = await factors.get_factor(rt, user_id, factor_id)
    except DomainError:
        return None
    return info if info.activation else None


@router.post(PREFIX + "/signout")
@_unreadable_forms
async def signout(request: Request) -> Response:
    rt = runtime(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if await _checked_form(request, cookie) is None:
        return redirect(PREFIX + "/")
    await console_auth.sign_out(rt, cookie, meta(request))
    response = redirect(f"{PREFIX}/signin?done={SIGNED_OUT}")
    clear_cookie(response, rt, SESSION_COOKIE)
    return response
