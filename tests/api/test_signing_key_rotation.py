"""JWT signing key rotation over the wire (R62): `twofold keys rotate-signing` publishes the next
key before it signs, every server process on the database agrees, tokens signed before and after
verify against the JWKS found through discovery, and the old key leaves once every token it
signed has expired. The servers' clock is moved by a file (no sleeping through a day); the only
waiting is for each process's key re-read (TWOFOLD_KEY_REFRESH_SECONDS, 0.2 s here)."""
from __future__ import annotations

import pytest

from twofold.config import Settings
from twofold.services.signing_keys import SKEW_ALLOWANCE_SECONDS, longest_token_lifetime

from .custody import FileClock, cli, kids, published_jwks, verify_with, wait_for

DELAY = 600  # the publish delay the rotation is given (s)


KEEP = longest_token_lifetime(Settings()) + SKEW_ALLOWANCE_SECONDS  # how long an old key stays (s)


@pytest.fixture(scope="module")
def two_processes(backend, make_server, tmp_path_factory):
    """Two server processes on one database, with one movable clock (shared by this module's
    tests: each starts from `_one_key`)."""
    clock = FileClock(tmp_path_factory.mktemp("clock") / "clock")
    env = {**clock.env, "TWOFOLD_KEY_REFRESH_SECONDS": "0.2"}
    a = make_server(backend, extra_env=env)
    b = make_server(backend, share_with=a, extra_env=env)
    yield a, b, clock
    b.stop()
    a.stop()


@pytest.fixture
def two_servers(two_processes):
    """The two processes once the keys an earlier test rotated have left: one key published."""
    a, b, clock = two_processes
    if len(kids(published_jwks(a.base_url))) > 1:
        clock.set(clock.offset + DELAY + KEEP + 1)
    for server in (a, b):
        assert len(kids(published_jwks(server.base_url))) == 1
    return two_processes


def _access_token(api, client) -> str:
    r = api.token(client, grant_type="client_credentials", audience="https://api.example.com/")
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _kid(token: str) -> str:
    import jwt

    return jwt.get_unverified_header(token)["kid"]


def test_next_key_is_published_before_it_signs_and_the_old_one_leaves_after_its_tokens(two_servers):
    """R62: old key kept until its tokens expire; a relying party's JWKS always holds the key
    of any token it is shown (published before first use)."""
    a, b, clock = two_servers
    api_a, api_b = a.api(), b.api()
    client = api_a.create_client(["client_credentials"])
    (old,) = kids(published_jwks(a.base_url))
    assert kids(published_jwks(b.base_url)) == {old}
    before = _access_token(api_a, client)
    assert _kid(before) == old

    r = cli(a.env, "keys", "rotate-signing", "--publish-delay", str(DELAY))
    assert r.returncode == 0, r.stderr
    wait_for(lambda: len(kids(published_jwks(a.base_url))) == 2, "the next key on A")
    (new,) = kids(published_jwks(a.base_url)) - {old}
    assert f"signing key {new} is published now" in r.stdout and f"signing key {old} signs until then" in r.stdout
    wait_for(lambda: kids(published_jwks(b.base_url)) == {old, new}, "the next key on B")
    assert {k["kid"] for k in api_b.http.get("/oauth2/v1/keys").json()["keys"]} == {old, new}  # Okta's keys

    # Published, not yet signing: every process still signs with the old key.
    assert {_kid(_access_token(api_a, client)), _kid(_access_token(api_b, client))} == {old}
    refused = cli(a.env, "keys", "rotate-signing", "--publish-delay", str(DELAY))
    assert refused.returncode == 1 and f"{new} is already published and waiting" in refused.stderr

    t0 = clock.offset
    clock.set(t0 + DELAY + 1)  # the publish delay has passed: both processes sign with the new key
    after_a, after_b = _access_token(api_a, client), _access_token(api_b, client)
    assert _kid(after_a) == _kid(after_b) == new
    for server in (a, b):
        jwks = published_jwks(server.base_url)
        assert kids(jwks) == {old, new}
        for token in (before, after_a, after_b):
            assert verify_with(jwks, token)["sub"] == f"{client['client_id']}@clients"

    # The old key stays while a token it signed may live (the longest lifetime + skew), then leaves.
    claims = verify_with(published_jwks(a.base_url), before)
    assert claims["exp"] - claims["iat"] <= KEEP - SKEW_ALLOWANCE_SECONDS
    clock.set(t0 + KEEP)  # at most DELAY s after the new key took over (the command ran before the clock moved)
    assert kids(published_jwks(a.base_url)) == kids(published_jwks(b.base_url)) == {old, new}
    clock.set(t0 + DELAY + KEEP + 1)
    for server in (a, b):
        jwks = published_jwks(server.base_url)
        assert kids(jwks) == {new}
        verify_with(jwks, _access_token(server.api(), client))
        with pytest.raises(AssertionError, match="not published"):
            verify_with(jwks, before)
    listed = cli(a.env, "keys", "list")
    assert listed.returncode == 0 and old not in listed.stdout and f"{new}  active" in listed.stdout


def test_activate_brings_the_next_key_forward_once_every_process_can_publish_it(two_servers):
    """The second way to take a published key into use: `--activate`, refused until the key has
    been published for a refresh interval (until then a process may not publish it yet)."""
    a, b, clock = two_servers
    api_b = b.api()
    client = api_b.create_client(["client_credentials"])
    (old,) = kids(published_jwks(b.base_url))
    none_waiting = cli(a.env, "keys", "rotate-signing", "--activate")
    assert none_waiting.returncode == 1 and "no signing key is waiting" in none_waiting.stderr
    assert cli(a.env, "keys", "rotate-signing", "--publish-delay", "86400").returncode == 0
    wait_for(lambda: len(kids(published_jwks(b.base_url))) == 2, "the next key")
    (new,) = kids(published_jwks(b.base_url)) - {old}

    slow = {**a.env, "TWOFOLD_KEY_REFRESH_SECONDS": "60"}  # a command told processes re-read every minute
    early = cli(slow, "keys", "rotate-signing", "--activate")
    assert early.returncode == 1 and "not every server process publishes it yet" in early.stderr
    assert _kid(_access_token(api_b, client)) == old

    clock.set(clock.offset + 61)
    r = cli(slow, "keys", "rotate-signing", "--activate")
    assert r.returncode == 0, r.stderr
    assert f"signing key {new} signs from now" in r.stdout and f"{old} no longer signs" in r.stdout
    wait_for(lambda: _kid(_access_token(api_b, client)) == new, "B to sign with it")
    token = _access_token(api_b, client)
    verify_with(published_jwks(a.base_url), token)
    assert kids(published_jwks(b.base_url)) == {old, new}


def test_a_publish_delay_shorter_than_the_refresh_interval_is_refused(server):
    """A key must be published by every process before it signs: the delay is at least the
    interval at which processes re-read the keys."""
    r = cli(server.env, "keys", "rotate-signing", "--publish-delay", "5")
    assert r.returncode == 1 and "at least TWOFOLD_KEY_REFRESH_SECONDS (60 s)" in r.stderr
    assert "Traceback" not in r.stderr
    assert len(kids(published_jwks(server.base_url))) == 1
