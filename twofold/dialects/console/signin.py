"""Signing in to the Admin Console: password, then a TOTP code (or, the first time, enrolling
an authenticator app), then a session cookie bound to this browser. Signing out ends it."""
from __future__ import annotations

import secrets

import segno
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import DomainError, InvalidCredentials, TooManyAttempts
from ...services import console_auth, factors
from ...services.console_auth import SignInFailed
from ..http import BodyTooLarge, meta, runtime
from . import errors
from .web import (
    BROWSER_COOKIE, PREFIX, SESSION_COOKIE, CsrfRefused, check_csrf, clear_cookie, csrf_token, notice, read_form,
    redirect, render, safe_next, set_cookie,
)

router = APIRouter()

EXPIRED = notice("signin-expired", "Your sign-in expired. Sign in again.")
SIGNED_OUT = notice("signed-out", "You are signed out.")


def _qr_data_uri(key_uri: str) -> str:
    # In the page itself, never a URL another request could fetch (R39).
    return segno.make(key_uri, error="m").png_data_uri(scale=5, border=4)


def _browser_cookie(request: Request) -> tuple[str, bool]:
    value = request.cookies.get(BROWSER_COOKIE)
    if value and 20 <= len(value) <= 100:
        return value, False
    return secrets.token_urlsafe(32), True


def _signin_page(request: Request, *, status: int = 200, error=None, username: str = "", next_url: str = "") -> Response:
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
async def signin_password(request: Request) -> Response:
    rt = runtime(request)
    try:
        form = await read_form(request)
        check_csrf(request, form, request.cookies.get(BROWSER_COOKIE))
    except (CsrfRefused, BodyTooLarge, errors.BadForm):
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
    except DomainError:  # an unknown realm or the like: the same answer as a wrong password
        status, summary, causes = errors.describe(InvalidCredentials())
        return _signin_page(request, status=status, username=username, next_url=next_url,
                            error=errors.Shown(summary, causes))
    response = redirect(f"{PREFIX}/signin/factor?next={safe_next(next_url)}")
    set_cookie(response, rt, SESSION_COOKIE, cookie)
    return response


def _factor_page(request: Request, cookie: str, *, mode: str, status: int = 200, error=None,
                 enrollment: factors.FactorInfo | None = None, next_url: str | None = None) -> Response:
    activation = enrollment.activation if enrollment else None
    return render(request, "signin_factor.html", status=status, csrf=csrf_token(cookie), error=error, mode=mode,
                  next_url=safe_next(next_url or request.query_params.get("next")),
                  factor_id=enrollment.view.id if enrollment else "",
                  secret=activation.shared_secret if activation else "",
                  qr=_qr_data_uri(activation.key_uri) if activation else "")


@router.get(PREFIX + "/signin/factor")
async def factor_form(request: Request) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        mode, _ = await console_auth.second_factor_state(runtime(request), cookie)
    except SignInFailed:
        return redirect(f"{PREFIX}/signin?done={EXPIRED}")
    return _factor_page(request, cookie, mode="verify" if mode == "verify" else "enroll-intro")


@router.post(PREFIX + "/signin/factor")
async def factor_submit(request: Request) -> Response:
    """The code of the administrator's authenticator app; or, with `action=enroll`, enrolling one."""
    rt = runtime(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        form = await read_form(request)
        check_csrf(request, form, cookie)
    except (CsrfRefused, BodyTooLarge, errors.BadForm):
        return redirect(f"{PREFIX}/signin?done={EXPIRED}")
    next_url = safe_next(form.get("next"))
    action, code = form.get("action"), form.get("code").replace(" ", "")
    try:
        mode, _ = await console_auth.second_factor_state(rt, cookie)
        if mode == "enroll":
            if action == "enroll":  # show the new secret, in this answer only
                try:
                    info = await console_auth.start_enrollment(rt, cookie, meta(request))
                except SignInFailed:
                    raise
                except DomainError as exc:  # no authenticator app is allowed by the enrollment policy
                    status, summary, causes = errors.describe(exc)
                    return _factor_page(request, cookie, next_url=next_url, mode="enroll-intro", status=status,
                                        error=errors.Shown(summary, causes))
                return _factor_page(request, cookie, next_url=next_url, mode="enroll", enrollment=info)
            factor_id = form.get("factor_id")
            try:
                new_cookie = await console_auth.finish_enrollment(rt, cookie, factor_id, code, meta(request))
            except SignInFailed:
                raise
            except DomainError as exc:
                status, summary, causes = errors.describe(exc)
                info = await _pending_factor(rt, cookie, factor_id)
                return _factor_page(request, cookie, next_url=next_url, mode="enroll" if info else "enroll-intro", status=status,
                                    error=errors.Shown(summary, causes), enrollment=info)
        else:
            try:
                new_cookie = await console_auth.sign_in_code(rt, cookie, code, meta(request))
            except SignInFailed:
                raise
            except DomainError as exc:
                status, summary, causes = errors.describe(exc)
                return _factor_page(request, cookie, next_url=next_url, mode="verify", status=status, error=errors.Shown(summary, causes))
    except SignInFailed:
        return redirect(f"{PREFIX}/signin?done={EXPIRED}")
    response = redirect(next_url)
    set_cookie(response, rt, SESSION_COOKIE, new_cookie)
    return response


async def _pending_factor(rt, cookie: str, factor_id: str) -> factors.FactorInfo | None:
    """The enrollment being confirmed, to show its QR code again after a wrong code."""
    try:
        user_id = await console_auth.pending_user(rt, cookie)
        info = await factors.get_factor(rt, user_id, factor_id)
    except DomainError:
        return None
    return info if info.activation else None


@router.post(PREFIX + "/signout")
async def signout(request: Request) -> Response:
    rt = runtime(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        form = await read_form(request)
        check_csrf(request, form, cookie)
    except (CsrfRefused, BodyTooLarge, errors.BadForm):
        return redirect(PREFIX + "/")
    await console_auth.sign_out(rt, cookie, meta(request))
    response = redirect(f"{PREFIX}/signin?done={SIGNED_OUT}")
    clear_cookie(response, rt, SESSION_COOKIE)
    return response
