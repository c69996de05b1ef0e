"""What a user must do next, decided once (domain.policy) from all of their factors and the
org's policies, for every place users sign in (policy.Surface): after the password, and after
a second factor. The token endpoints and the Admin Console ask these; their dialects render
the answer."""
from __future__ import annotations

from .. import authenticators
from ..authenticators.base import ACTIVE, Answer
from ..domain import policy
from ..store import factors as factor_store
from ..store.db import Executor
from . import org_authenticators
from .mfa import views_of
from .runtime import Runtime


async def after_password(db: Executor, rt: Runtime, rules: dict[str, str], user_id: str, *,
                         surface: policy.Surface, mfa_policy: str | None = None,
                         audience: str | None = None) -> policy.NextStep:
    """`mfa_policy`: the sign-in policy (default: the server's TWOFOLD_MFA_POLICY);
    `audience`: the token's (the MFA API's needs a second factor of an enrolled user, R38)."""
    factors = views_of(await factor_store.for_user(db, user_id))
    usable = [v for v in factors if v.status == ACTIVE and org_authenticators.usable(rules, v)]
    return policy.after_password(
        mfa_policy or rt.settings.mfa_policy, factors, usable, surface=surface,
        options=org_authenticators.options(rules),
        required_missing=bool(org_authenticators.missing_required(rules, usable)),
        mfa_api=audience is not None and audience == rt.settings.mfa_audience)


async def after_second_factor(db: Executor, rules: dict[str, str], user_id: str, *, surface: policy.Surface,
                              answer: Answer) -> policy.NextStep:
    """After a right `answer`: done, or what must come before the sign-in ends."""
    active = views_of(await factor_store.for_user(db, user_id, statuses=(ACTIVE,)))
    missing = org_authenticators.missing_required(rules, active)
    return policy.after_second_factor(
        [v for v in active if org_authenticators.usable(rules, v)], surface=surface,
        by_primary=any(authenticators.get(t).primary for t in authenticators.answering(answer)),
        required=org_authenticators.options(rules, keys=missing), required_missing=bool(missing),
        options=org_authenticators.options(rules))
