"""The request being served, for every log line written while serving it: a contextvar, so
lines written deep in a service (or in a task it starts) carry the request id too."""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class RequestContext:
    request_id: str
    scope: dict  # the ASGI scope: the route is known only once routed, the client once resolved
    error_logged: bool = False  # an unexpected error was logged with its route already

    def fields(self) -> dict:
        client = self.scope.get("client")
        out = {"request_id": self.request_id, "method": self.scope.get("method"),
               "client_ip": client[0] if client else None}
        route = getattr(self.scope.get("route"), "path", None)  # the template, "/api/v1/users/{id}"
        if route is not None:
            out["route"] = route
        return out


CURRENT: ContextVar[RequestContext | None] = ContextVar("twofold_request", default=None)


def current() -> RequestContext | None:
    return CURRENT.get()
