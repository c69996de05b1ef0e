"""Refresh-token lifetimes with an injected clock, on both backends: without an access rule a
family ends TWOFOLD_REFRESH_TOKEN_TTL after it began; on a custom server the matching rule's
`refreshTokenLifetimeMinutes` ends the family (0 = unlimited) and its
`refreshTokenWindowMinutes` ends a token not used in time (Okta's access-policy rule)."""
from __future__ import annotations

import json

import pytest

from twofold.domain import grants
from twofold.domain.errors import InvalidRefreshToken
from twofold.services import server_policies, tokens
from twofold.services.tokens import Authentication

MINUTE = 60


async def _set_default_rule(rt, *, lifetime: int, window: int, access: int = 5) -> None:
    (policy,) = [p for p in await server_policies.list_policies(rt, "default") if p.name == "Default Policy"]
    (rule,) = [r for r in await server_policies.list_rules(rt, "default", policy.id) if r.name == "Default Policy Rule"]
    body = {"name": rule.name, "priority": rule.priority, "grant_types": json.loads(rule.grant_types),
            "scopes": json.loads(rule.scopes), "access_token_minutes": access, "refresh_token_minutes": lifetime,
            "refresh_window_minutes": window}
    await server_policies.replace_rule(rt, "default", policy.id, rule.id, body)


async def _first_refresh_token(rt, client, user, server_id: str | None) -> str:
    auth = Authentication(user_id=user.id, audience=None, scope="openid offline_access", amr=["pwd", "otp"],
                          auth_time=rt.now_ms(), server_id=server_id, grant_type=grants.PASSWORD)
    async with rt.db.transaction() as conn:
        return (await tokens.issue(conn, rt, client, auth))["refresh_token"]


async def _refresh(rt, client, token: str, server_id: str | None) -> str:
    return (await tokens.refresh(rt, client, token, None, server_id=server_id))["refresh_token"]


async def test_without_a_rule_the_family_ends_at_the_configured_ttl(rt, client, user):
    token = await _first_refresh_token(rt, client, user, None)
    step = rt.settings.refresh_token_ttl // 3
    for _ in range(2):
        rt.clock.advance(step)
        token = await _refresh(rt, client, token, None)  # rotation does not move the end
    rt.clock.advance(step + 1)
    with pytest.raises(InvalidRefreshToken):
        await _refresh(rt, client, token, None)


async def test_a_rule_window_ends_an_idle_token_and_unlimited_means_no_family_end(rt, client, user):
    await _set_default_rule(rt, lifetime=0, window=10)
    token = await _first_refresh_token(rt, client, user, "default")
    for _ in range(12):  # two hours in nine-minute steps: the unlimited family lives on
        rt.clock.advance(9 * MINUTE)
        token = await _refresh(rt, client, token, "default")
    rt.clock.advance(10 * MINUTE + 1)  # unused for longer than the window
    with pytest.raises(InvalidRefreshToken):
        await _refresh(rt, client, token, "default")


async def test_a_rule_lifetime_ends_the_family_however_often_it_is_used(rt, client, user):
    await _set_default_rule(rt, lifetime=30, window=10)
    token = await _first_refresh_token(rt, client, user, "default")
    for _ in range(3):  # 27 minutes
        rt.clock.advance(9 * MINUTE)
        token = await _refresh(rt, client, token, "default")
    rt.clock.advance(4 * MINUTE)  # within the window, past the family's 30 minutes
    with pytest.raises(InvalidRefreshToken):
        await _refresh(rt, client, token, "default")
