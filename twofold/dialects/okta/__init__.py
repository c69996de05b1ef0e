"""The Okta dialect: management API (users, factors, client registration) and direct
authentication on /oauth2/…"""
from fastapi import APIRouter

from . import (
    admin, api_tokens_api, apps, auth_server_scopes, auth_servers, factors, logs, routes, server_policies, users,
)

router = APIRouter()
router.include_router(routes.router)
router.include_router(factors.router)
router.include_router(users.router)
router.include_router(admin.router)
router.include_router(auth_servers.router)
router.include_router(server_policies.router)
router.include_router(auth_server_scopes.router)
router.include_router(logs.router)
router.include_router(api_tokens_api.router)
router.include_router(apps.router)

__all__ = ["router"]
