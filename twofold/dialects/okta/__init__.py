"""The Okta dialect: management API (users, factors, client registration) and direct
authentication on /oauth2/…"""
from fastapi import APIRouter

from . import factors, routes

router = APIRouter()
router.include_router(routes.router)
router.include_router(factors.router)

__all__ = ["router"]
