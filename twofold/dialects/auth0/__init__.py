"""The Auth0 Authentication API dialect: /oauth/token, /oauth/revoke and /mfa/*."""
from .routes import router

__all__ = ["router"]
