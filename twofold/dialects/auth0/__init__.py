"""The Auth0 dialect: the Authentication API (/oauth/token, /oauth/revoke, /mfa/*) and the part of
the Management API twofold serves (/api/v2/)."""
from .management import router as management_router
from .routes import router

__all__ = ["management_router", "router"]
