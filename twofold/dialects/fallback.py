"""The answer to an error nobody expected, in the shape of the dialect whose path it was:
Okta's management API answers E0000009, Auth0's its `statusCode` shape; everything else, OAuth's
`server_error`. Never a stack trace; the caller logs the route, not the path or request data."""
from __future__ import annotations

from starlette.responses import Response

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
