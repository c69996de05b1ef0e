"""The Admin Console (`/admin`): server-rendered pages over the same services as the Okta
management API. Navigation follows Okta's Admin Console, so seed 000 reads literally:
Security › Authenticators, Security › API, Applications, Directory › People, Reports ›
System Log."""
from fastapi import APIRouter

from . import api, applications, authenticators, home, people, signin, system_log

router = APIRouter(include_in_schema=False)
for module in (signin, home, authenticators, api, applications, people, system_log):
    router.include_router(module.router)

__all__ = ["router"]
