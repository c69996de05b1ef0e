"""TWOFOLD_TRUSTED_PROXIES and the X-Forwarded-For rule (twofold.observe.proxies): the header is
believed only from a trusted peer, read from the right, and a client cannot choose its address
by writing entries of its own (authentik CVE-2024-47070: a garbled header is no address)."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from twofold.config import Settings
from twofold.observe.proxies import NotANetwork, TrustedProxies, parse_entry, parse_networks

PROXIES = TrustedProxies(parse_networks("127.0.0.0/8, 10.0.0.0/8,fd00::/8"))


def _client(peer: str, *headers: str) -> str:
    return PROXIES.client(peer, [h.encode("latin-1") for h in headers])


def test_networks_are_cidrs_or_addresses_separated_by_commas():
    assert [str(n) for n in parse_networks("10.0.0.0/8, 192.168.1.10 ,2001:db8::/32")] == \
        ["10.0.0.0/8", "192.168.1.10/32", "2001:db8::/32"]
    assert parse_networks("") == () and parse_networks(" , ") == ()
    assert not TrustedProxies(parse_networks(""))  # none trusted: the header is never read


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "10.0.0", "proxy.example", "*", "10.0.0.0/8;"])
def test_a_setting_that_is_not_a_network_is_refused_with_its_value(bad):
    with pytest.raises(NotANetwork, match="is not an IP network"):
        parse_networks(f"127.0.0.1/32,{bad}")
    with pytest.raises(ValidationError, match="is not an IP network"):
        Settings(trusted_proxies=bad)


def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    assert _client("203.0.113.5", "198.51.100.1") == "203.0.113.5"
    assert TrustedProxies().client("127.0.0.1", [b"198.51.100.1"]) == "127.0.0.1"  # the default: nobody


def test_the_right_most_address_that_is_not_a_trusted_proxy_is_the_client():
    assert _client("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    # The client wrote 198.51.100.1 itself; the proxies appended what they saw.
    assert _client("127.0.0.1", "198.51.100.1, 203.0.113.9, 10.1.2.3") == "203.0.113.9"
    # Several headers are one list, in order.
    assert _client("127.0.0.1", "198.51.100.1, 203.0.113.9", "10.1.2.3") == "203.0.113.9"


def test_with_only_trusted_proxies_in_the_chain_the_farthest_one_is_the_client():
    assert _client("127.0.0.1", "10.0.0.7, 10.0.0.8") == "10.0.0.7"
    assert _client("127.0.0.1") == "127.0.0.1"  # a proxy's own request (a health check)


@pytest.mark.parametrize("garbage", ["unknown", "", "203.0.113.9 extra", "x" * 200, "<script>", "1.2.3.4.5"])
def test_an_entry_that_is_no_address_ends_the_walk_at_the_last_proxy_believed(garbage):
    assert _client("127.0.0.1", f"198.51.100.1, {garbage}, 10.1.2.3") == "10.1.2.3"
    assert _client("127.0.0.1", garbage) == "127.0.0.1"


def test_addresses_with_ports_ipv6_and_mapped_ipv4_are_read():
    assert parse_entry("203.0.113.9:4711") == parse_entry("203.0.113.9")
    assert str(parse_entry("[2001:db8::1]:443")) == "2001:db8::1"
    assert str(parse_entry("2001:db8::1")) == "2001:db8::1"
    assert str(parse_entry("::ffff:10.1.2.3")) == "10.1.2.3"
    assert _client("::ffff:127.0.0.1", "2001:db8::1, [fd00::5]:80") == "2001:db8::1"
    assert _client("fd00::1", "203.0.113.9") == "203.0.113.9"
