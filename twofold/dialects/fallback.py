"""The answer to an error nobody expected, in the shape of the dialect whose path it was:
Okta's management API answers E0000009; everything else, OAuth's `server_error`. Never a
stack trace; the caller logs the route, not the path or request data."""
from __future__ import annotations

from starlette.responses import Response

from .http import json_response

OKTA_MANAGEMENT = "/api/v1/"


def internal_error(path: str) -> Response:
    if path.startswith(OKTA_MANAGEMENT):
        from .okta.errors import internal_error as okta_internal_error  # the Okta package imports the hot lane

        return okta_internal_error()
    return json_response({"error": "server_error", "error_description": "Internal error."}, status=500)
