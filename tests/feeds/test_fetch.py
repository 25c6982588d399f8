"""The fetcher's conditional GET, feed content types and the headers kept for the archive."""

from __future__ import annotations

import ipaddress

import pytest

from annotations.lib.addresses import is_public_address
from annotations.lib.urlfetch import FEED_TYPES, FetchError, fetch_url


def loopback(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_loopback or is_public_address(ip)


def test_conditional_get_answers_304_with_no_body(site):
    url = site.add_feed("world", ["one"])
    first = fetch_url(url, allow_address=loopback, accept_types=FEED_TYPES)
    etag = first.header("etag")
    assert etag.startswith('"')
    assert first.reason == "OK"
    assert ("Content-Type", "application/rss+xml; charset=utf-8") in first.headers
    again = fetch_url(
        url, allow_address=loopback, accept_types=FEED_TYPES, headers={"If-None-Match": etag}
    )
    assert again.status == 304
    assert again.body == b""
    assert site.not_modified["/feeds/world.xml"] == 1


def test_a_feed_is_not_an_article_page_unless_asked_for(site):
    url = site.add_feed("world", ["one"])
    with pytest.raises(FetchError) as refused:
        fetch_url(url, allow_address=loopback)
    assert refused.value.code == "unsupported_type"
    assert "not an HTML or text page" in refused.value.message
    with pytest.raises(FetchError) as html:
        fetch_url(site.url("/articles/one"), allow_address=loopback, accept_types=FEED_TYPES)
    assert "not a feed" in html.value.message


def test_loopback_is_refused_without_the_test_setting(site, settings):
    from annotations.services.archive import fetch_policy

    settings.URLFETCH_ALLOW_LOOPBACK = False
    url = site.add_feed("world", [])
    with pytest.raises(FetchError) as refused:
        fetch_url(url, accept_types=FEED_TYPES, **fetch_policy())
    assert refused.value.code == "blocked_address"
    settings.PRODUCTION = True
    settings.URLFETCH_ALLOW_LOOPBACK = True  # refused at start-up in production; ignored here
    assert fetch_policy() == {}
