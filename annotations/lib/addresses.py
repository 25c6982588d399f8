"""Which IP addresses a fetched URL may reach: ordinary public unicast only, and the hosts
written in unusual IPv4 notations that resolvers accept ("127.1", "0x7f000001"). Used by the
SSRF-safe fetcher (``lib/urlfetch.py``) and by the checks at submission."""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

__all__ = ["IPAddress", "is_public_address", "legacy_ipv4"]

# Everything in IPv4 that is not ordinary public unicast (IANA special-purpose registry).
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", includes the unspecified address
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, includes cloud metadata 169.254.169.254
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation TEST-NET-1
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation TEST-NET-2
        "203.0.113.0/24",  # documentation TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes broadcast 255.255.255.255
    )
)

# Only 2000::/3 is allocated as global unicast. Requiring it rejects in one stroke ::, ::1,
# IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96 and 64:ff9b:1::/48 (which can embed any v4
# address, including private ones), discard 100::/64, ULA fc00::/7, link-local fe80::/10,
# site-local fec0::/10 and multicast ff00::/8.
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "2001::/23",  # IETF special purpose: Teredo 2001::/32, benchmarking, ORCHID, ...
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
    )
)
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def is_public_address(ip: IPAddress) -> bool:
    """True only for ordinary public unicast addresses that a news site could live on."""
    if isinstance(ip, ipaddress.IPv6Address):
        return _is_public_v6(ip)
    return _is_public_v4(ip)


def _is_public_v4(ip: ipaddress.IPv4Address) -> bool:
    if any(ip in net for net in _BLOCKED_V4):
        return False
    # Belt and braces: the stdlib's own classification catches anything added to the
    # registry after this table was written.
    return ip.is_global and not ip.is_multicast


def _is_public_v6(ip: ipaddress.IPv6Address) -> bool:
    # ::ffff:a.b.c.d is delivered to the IPv4 address a.b.c.d by dual-stack sockets.
    if ip.ipv4_mapped is not None:
        return _is_public_v4(ip.ipv4_mapped)
    if ip not in _GLOBAL_UNICAST_V6 or any(ip in net for net in _BLOCKED_V6):
        return False
    # 6to4 is routed to the embedded IPv4 address, so that address must be public too.
    if ip in _SIX_TO_FOUR:
        embedded = ip.sixtofour
        if embedded is None or not _is_public_v4(embedded):
            return False
    return ip.is_global and not ip.is_multicast


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address an obfuscated IPv4 host stands for ("127.1", "2130706433", "0x7f000001",
    "0177.0.0.1"), which resolvers and browsers accept but ``ipaddress`` does not; None for a
    canonical dotted quad or a name."""
    host = host.rstrip(".")
    if not host or any(c not in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        ipaddress.IPv4Address(host)
        return None  # canonical
    except ValueError:
        pass
    try:
        packed = socket.inet_aton(host)
    except OSError:
        return None
    return ipaddress.IPv4Address(packed)
