"""The Admin Console (`/admin`): server-rendered pages over the same services as the Okta
management API. Navigation follows Okta's Admin Console, so seed 000 reads literally:
Security › Authenticators, Security › API, Applications, Directory › People, Reports ›
System Log, Reports › Outbox."""
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from . import api, applications, authenticators, home, outbox, people, signin, system_log
from .errors import UNAVAILABLE, Shown
from .web import render

router = APIRouter(include_in_schema=False)
for module in (signin, home, authenticators, api, applications, people, system_log, outbox):
    router.include_router(module.router)



def not_found(request: Request, status: int) -> Response:
    """Unknown console paths (and wrong methods) answer with a page, not JSON."""
    summary = "This page does not exist." if status == 404 else "This action is not available here."
    return render(request, "error.html", status=status, error=Shown(summary))


def unavailable(request: Request) -> Response:
    """R69: the database or Redis cannot be reached; a page that says so, HTTP 503."""
    response = render(request, "error.html", status=503, error=UNAVAILABLE)
    response.headers["Retry-After"] = "1"
    return response


__all__ = ["router", "not_found", "unavailable"]
