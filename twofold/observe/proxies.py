"""Which address a request comes from, behind reverse proxies (TWOFOLD_TRUSTED_PROXIES).

X-Forwarded-For is written by whoever sends it: each proxy appends the address it received the
request from, so only the entries appended by proxies we trust are facts, and a client can put
anything to the left of them. The rule (as nginx's `real_ip_recursive` and uvicorn's
`forwarded_allow_ips`): believe the header only when the direct peer is a trusted proxy, then
walk it from the right, skipping trusted proxies; the first address that is not one is the
client. An entry that is not an address ends the walk at the last proxy believed (authentik's
CVE-2024-47070 came from a garbled header taken for a client address)."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_ENTRY = 64  # longer than any address with a port: not one


class NotANetwork(ValueError):
    pass


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma- (or space-) separated CIDRs; a bare address is its own /32 or /128."""
    networks = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise NotANetwork(f"{item!r} is not an IP network: give CIDRs separated by commas, "
                              "as in 10.0.0.0/8,192.168.1.10/32,fd00::/8") from None
    return tuple(networks)


def _plain(address: Address) -> Address:
    # A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_entry(entry: str) -> Address | None:
    """One X-Forwarded-For entry: an address, possibly with a port ("1.2.3.4:80", "[::1]:80",
    as some proxies write it); None for anything else ("unknown", garbage)."""
    entry = entry.strip()
    if not entry or len(entry) > MAX_ENTRY:
        return None
    if entry.startswith("["):
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        return _plain(ipaddress.ip_address(entry))
    except ValueError:
        return None


class TrustedProxies:
    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)
        # A proxy's address repeats on every request it forwards: decided once.
        self._trusts = lru_cache(maxsize=4096)(self._in_networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def _in_networks(self, address: str) -> bool:
        parsed = parse_entry(address)
        return parsed is not None and any(parsed in network for network in self.networks)

    def trusts(self, address: str) -> bool:
        return self._trusts(address)

    def client(self, peer: str, forwarded_for: Iterable[bytes]) -> str:
        """The client's address, given the direct peer's and the X-Forwarded-For headers (in
        the order received; several are one list, RFC 9110 §5.3)."""
        if not self.trusts(peer):
            return peer
        entries = [e for header in forwarded_for for e in header.decode("latin-1").split(",")]
        nearest = peer
        for entry in reversed(entries):
            address = parse_entry(entry)
            if address is None:
                return nearest
            if not self.trusts(str(address)):
                return str(address)
            nearest = str(address)
        return nearest  # every hop a trusted proxy: the farthest one is all we know
