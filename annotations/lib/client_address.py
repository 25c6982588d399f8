"""The address a request comes from, for throttling: the one place that decides whether a
forwarded header can be believed.

``X-Forwarded-For`` is written by the client as much as by any proxy: a client that sends a
different one with each request would, if it were believed, get a fresh throttle each time.
It is read only when the deployment says it sits behind proxies
(``NEWSNOTES_BEHIND_PROXY=1``, ``NEWSNOTES_PROXY_COUNT`` of them, 1 by default): each proxy
appends the address it received the request from, so the client is the entry that many places
from the right, and whatever the client itself put further left is ignored. DRF's throttles
read the same count (``REST_FRAMEWORK["NUM_PROXIES"]``, 0 when not behind a proxy) and agree.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address as the last trusted hop saw it (DRF's ``get_ident`` rule)."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    proxies = int(getattr(settings, "NEWSNOTES_PROXY_COUNT", 0) or 0)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = forwarded.split(",")
    return hops[-min(proxies, len(hops))].strip()


def address_bucket(address: str) -> str:
    """The unit that per-address limits count: the address itself for IPv4, its /64 network for
    IPv6 (one subscriber gets a whole /64 and could otherwise rotate through it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
