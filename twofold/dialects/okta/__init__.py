"""The Okta dialect (minimal management API for now: users and client registration)."""
from .routes import router

__all__ = ["router"]
