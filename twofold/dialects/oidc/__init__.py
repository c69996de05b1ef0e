"""OpenID Connect discovery, JWKS and userinfo."""
from .routes import router

__all__ = ["router"]
