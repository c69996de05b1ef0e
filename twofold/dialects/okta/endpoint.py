"""One wrapper for every management endpoint: SSWS authentication, rate limits, and refusals
in Okta's error format."""
from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from ...domain.errors import DomainError, NotFound
from ..http import BodyTooLarge, runtime
from .auth import require_api_token
from .errors import body_too_large, from_domain, rate_limited
from .ratelimit import FixedWindowLimiter, SharedWindowLimiter


def _limiter(request: Request) -> FixedWindowLimiter | SharedWindowLimiter:
    state = request.app.state
    if getattr(state, "okta_limiter", None) is None:
        rt = runtime(request)
        per_minute = rt.settings.management_rate_limit_per_minute
        state.okta_limiter = (SharedWindowLimiter(per_minute, rt.shared) if rt.shared is not None
                              else FixedWindowLimiter(per_minute))
    return state.okta_limiter


def lifecycle_status(operation: str) -> str:
    """`…/lifecycle/activate|deactivate` → the status it sets; anything else is 404."""
    status = {"activate": "ACTIVE", "deactivate": "INACTIVE"}.get(operation)
    if status is None:
        raise NotFound(f"{operation[:64]} (Lifecycle operation)")
    return status


def okta_endpoint(group: str):
    """`group` names the rate-limit bucket (Okta limits per endpoint family)."""

    def decorate(handler):
        @functools.wraps(handler)
        async def wrapped(request: Request, **kwargs) -> Response:
            headers: dict[str, str] = {}
            try:
                token_id = await require_api_token(request)
                verdict = await _limiter(request).hit(token_id, group)
                headers = verdict.headers()
                if not verdict.allowed:
                    return rate_limited(headers)
                response = await handler(request=request, **kwargs)
            except BodyTooLarge:
                response = body_too_large()
            except DomainError as exc:
                response = from_domain(exc)
            for name, value in headers.items():  # a send refusal (E0000047) sets its own reset
                response.headers.setdefault(name, value)
            return response

        return wrapped

    return decorate
