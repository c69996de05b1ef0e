"""The answer to an error nobody expected, in the shape of the dialect whose path it was:
Okta's management API answers E0000009, Auth0's its `statusCode` shape; everything else, OAuth's
`server_error`. Never a stack trace; the caller logs the route, not the path or request data.

An unreachable database or Redis that reaches this net (outside the dialects' own wrappers) is
answered 503 in the same shapes (R69), never 500."""
from __future__ import annotations

from starlette.responses import Response

from ..domain.errors import Unavailable
from ..store.db import unreachable
from .http import json_response

OKTA_MANAGEMENT = "/api/v1/"
AUTH0_MANAGEMENT = "/api/v2/"


def internal_error(path: str) -> Response:
    if path.startswith(OKTA_MANAGEMENT):
        from .okta.errors import internal_error as okta_internal_error  # the Okta package imports the hot lane

        return okta_internal_error()
    if path.startswith(AUTH0_MANAGEMENT):
        from .auth0.management import internal_error as management_internal_error

        return management_internal_error()
    return json_response({"error": "server_error", "error_description": "Internal error."}, status=500)


def is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, Unavailable) or unreachable(exc)


def unavailable(path: str) -> Response:
    """503 in the shape of the path's dialect (the console renders its own page: app.py)."""
    if path.startswith(OKTA_MANAGEMENT):
        from .okta.errors import unavailable as okta_unavailable

        return okta_unavailable()
    if path.startswith(AUTH0_MANAGEMENT):
        from .auth0.management import from_domain

        return from_domain(Unavailable("database"))
    if path.startswith("/oauth2/"):
        from .okta.oauth_errors import unavailable as okta_oauth_unavailable

        return okta_oauth_unavailable()
    from .auth0.errors import auth0_error

    return auth0_error(Unavailable("database"))


def management_not_routed(status: int) -> Response:
    """A path or method Auth0's Management API has and twofold does not serve, in its shape."""
    from .auth0.management import not_routed

    return not_routed(status)


def malformed(path: str, description: str) -> Response:
    """A request refused before routing (a NUL in the target), in the shape of its path's dialect."""
    if path.startswith(OKTA_MANAGEMENT):
        from .okta.errors import okta_error

        return okta_error("E0000001", 400, f"Api validation failed: {description}", [description])
    if path.startswith(AUTH0_MANAGEMENT):
        from .auth0.management import management_error

        return management_error(400, description, "invalid_uri")
    return json_response({"error": "invalid_request", "error_description": description}, status=400)
