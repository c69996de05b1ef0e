"""The Okta dialect: management API (users, factors, client registration) and direct
authentication on /oauth2/…"""
from fastapi import APIRouter

from . import admin, factors, routes, users

router = APIRouter()
router.include_router(routes.router)
router.include_router(factors.router)
router.include_router(users.router)
router.include_router(admin.router)

__all__ = ["router"]
