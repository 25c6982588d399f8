"""Tests for annotations.lib.urlfetch.

Every page is served by local http.server instances on 127.0.0.0/8. An autouse guard makes
any connection outside loopback, or any real DNS lookup, fail the test, so a regression
cannot quietly reach the internet.
"""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from annotations.lib import urlfetch
from annotations.lib.urlfetch import FetchedPage, FetchError, fetch_url, is_public_address

SITE_IP = "127.0.0.1"
OTHER_LOOPBACK_IP = "127.0.0.2"  # Linux routes all of 127/8 to lo; stands in for "public"
ARTICLE_HTML = b"<html><head><title>Story</title></head><body><p>Hello</p></body></html>"

# A throwaway CA and a certificate for "news.example" it signed (EC P-256, valid 2000-2100),
# made with openssl for these tests only. Nothing trusts them outside this file.
TEST_CA_PEM = """-----BEGIN CERTIFICATE-----
MIIBbDCCARKgAwIBAgICEAAwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRTmV3c05v
dGVzIFRlc3QgQ0EwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBwx
GjAYBgNVBAMMEU5ld3NOb3RlcyBUZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEgQB0HDzKdWNZDbYBntTE35TBU0e7f1CyeHsk/ci81V8xUOIqV8KnxuML
qWznZtOZIMwITHGVLF6WSzpyzRCui6NCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNV
HQ8BAf8EBAMCAQYwHQYDVR0OBBYEFFQsmkbfpMJ8wldf3Trq+HZI83hGMAoGCCqG
SM49BAMCA0gAMEUCIQC0NPPuYq8144IF/54LOJKCLRg3PoeeTJfAv9MP/SoRTAIg
M0kcpUAo34SsRmWSLAzmcahw9H+YGU+KFde+oepYXQM=
-----END CERTIFICATE-----
"""
NEWS_EXAMPLE_CERT_PEM = """-----BEGIN CERTIFICATE-----
MIIBtTCCAVugAwIBAgICEAEwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRTmV3c05v
dGVzIFRlc3QgQ0EwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBcx
FTATBgNVBAMMDG5ld3MuZXhhbXBsZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
BNzMxVBJ6CktYKXNoCsKaUQLD0S+m9OAdFnv/z0wnRMKbBvuuRyL9jURMMClMn20
VQUibGS/9lcY+9b+/+ZftvWjgY8wgYwwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8E
BAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwFwYDVR0RBBAwDoIMbmV3cy5leGFt
cGxlMB0GA1UdDgQWBBRYALdqPiZLyNsJ3yxNkxwuKnPS2jAfBgNVHSMEGDAWgBRU
LJpG36TCfMJXX9066vh2SPN4RjAKBggqhkjOPQQDAgNIADBFAiBiNIwJNNE+DsqF
X/a0zFzxWzzKvPJpk/4+epCWYFQ3GwIhAI3qoPEwqfD/vC3FhfIy0LfkMFRzaTat
G7KDDtu4tr1Z
-----END CERTIFICATE-----
"""
NEWS_EXAMPLE_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgA30AwJbf7W75kVAe
l9/+/waE+LGrUta9og2+Wz5Ak0ChRANCAATczMVQSegpLWClzaArCmlECw9EvpvT
gHRZ7/89MJ0TCmwb7rkci/Y1ETDApTJ9tFUFImxkv/ZXGPvW/v/mX7b1
-----END PRIVATE KEY-----
"""


# --------------------------------------------------------------------------- network guard


@pytest.fixture(autouse=True)
def no_network_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly instead of touching the outside world if the code under test misbehaves."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: tuple[str, int]) -> None:
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise AssertionError(f"test tried to connect to {address}")
        real_connect(self, address)

    def numeric_getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        # AI_NUMERICHOST: literal addresses in any form still parse, names never hit DNS.
        return real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", numeric_getaddrinfo)


# --------------------------------------------------------------------------- test server


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, NewsHandler)
        self.requests: list[tuple[str, dict[str, str]]] = []

    @property
    def ip(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


class NewsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RecordingServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest output clean

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers.items())))
        route = self.path.split("?")[0].strip("/").split("/")
        handler = getattr(self, "page_" + route[0].replace("-", "_"), None)
        if handler is None:
            self.respond(404, b"not found", "text/plain")
            return
        # OSError: the client hung up on purpose (size cap, timeout).
        with contextlib.suppress(OSError):
            handler(*route[1:])

    def respond(
        self,
        status: int,
        body: bytes,
        content_type: str | None = "text/html",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.respond(status, b"", None, {"Location": location})

    def page_article(self) -> None:
        self.respond(200, ARTICLE_HTML, "text/html; charset=UTF-8")

    def page_plain(self) -> None:
        self.respond(200, b"just text", "text/plain")

    def page_chain(self, remaining: str) -> None:
        hops = int(remaining)
        # Relative Location headers: the client must resolve them against the current URL.
        self.redirect(f"../chain/{hops - 1}" if hops > 0 else "/article")

    def page_status(self, code: str) -> None:
        self.redirect("/article", int(code))

    def page_loop(self) -> None:
        self.redirect("/loop")

    def page_goto(self, host: str) -> None:
        self.redirect(f"http://{host}:{self.server.port}/article")

    def page_to_file(self) -> None:
        self.redirect("file:///etc/passwd")

    def page_no_location(self) -> None:
        self.respond(302, b"", None)

    def page_pdf(self) -> None:
        self.respond(200, b"%PDF-1.7", "application/pdf")

    def page_untyped(self) -> None:
        self.respond(200, ARTICLE_HTML, None)

    def page_gzipped(self) -> None:
        self.respond(200, gzip.compress(ARTICLE_HTML), "text/html", {"Content-Encoding": "gzip"})

    def page_sized(self, size: str) -> None:
        self.respond(200, b"x" * int(size), "text/html")

    def page_declares_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(50 * 1024 * 1024))
        self.end_headers()
        self.wfile.write(b"x" * 1024)  # a client that honours Content-Length never waits

    def page_endless_chunked(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for _ in range(10_000):  # ~10 MB if nobody stops reading
            self.wfile.write(b"400\r\n" + b"y" * 1024 + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def page_truncated(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "1000")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"only ten b")
        self.close_connection = True

    def page_drip_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):  # 20 s in total: far past any timeout used here
            self.wfile.write(b"z")
            self.wfile.flush()
            time.sleep(0.2)

    def page_drip_headers(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: ")
        for _ in range(100):
            self.wfile.write(b"a")
            self.wfile.flush()
            time.sleep(0.1)


def start_server(ip: str) -> RecordingServer:
    server = RecordingServer((ip, 0))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return server


@pytest.fixture(scope="module")
def site() -> Iterator[RecordingServer]:
    server = start_server(SITE_IP)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fresh_site(site: RecordingServer) -> RecordingServer:
    site.requests.clear()
    return site


@pytest.fixture
def other_loopback_site() -> Iterator[RecordingServer]:
    try:
        server = start_server(OTHER_LOOPBACK_IP)
    except OSError:
        pytest.skip("127.0.0.2 is not routed to loopback on this machine")
    yield server
    server.shutdown()
    server.server_close()


def fake_dns(table: dict[str, list[str]], calls: list[str] | None = None) -> urlfetch.Resolver:
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host in table:
            return table[host]
        # Literal addresses go through the real resolver (numeric-only under the guard),
        # exactly as they would in production; unknown names fail like NXDOMAIN.
        return urlfetch._system_resolver(host, port)

    return resolve


def only(*ips: str) -> Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]:
    allowed = {ipaddress.ip_address(ip) for ip in ips}
    return lambda ip: ip in allowed


def fetch_from(site: RecordingServer, path: str, **kwargs: object) -> FetchedPage:
    """Fetch http://news.example:<port><path> with news.example pointing at the test site."""
    options: dict[str, object] = {
        "resolver": fake_dns({"news.example": [site.ip]}),
        "allow_address": only(site.ip),
        "timeout": 5.0,
    }
    options.update(kwargs)
    return fetch_url(f"http://news.example:{site.port}{path}", **options)


def never_resolve(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} should have been refused before DNS resolution")


# --------------------------------------------------------------------------- address policy


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "2606:4700:4700::1111",
        "2a00:1450:4001:82b::200e",
        "2002:808:808::1",
    ],  # the last is 6to4 wrapping the public 8.8.8.8
)
def test_public_unicast_addresses_are_allowed(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1",  # private
        "127.0.0.1", "127.8.9.10", "::1",  # loopback
        "169.254.169.254", "fe80::1",  # link-local (cloud metadata lives here)
        "fc00::1", "fd12:3456::1",  # unique local
        "224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1",  # multicast
        "0.0.0.0", "0.1.2.3", "::",  # unspecified / "this network"  # noqa: S104
        "255.255.255.255", "240.0.0.1",  # broadcast / reserved
        "100.64.0.1", "100.127.255.254",  # shared address space (CGNAT)
        "198.18.0.1", "198.19.255.1", "2001:2::1",  # benchmarking
        "192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1", "3fff::1",  # documentation
        "192.0.0.8", "192.88.99.1",  # IETF protocol assignments, 6to4 relay anycast
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
        "::127.0.0.1", "::10.0.0.1",  # IPv4-compatible (deprecated)
        "2002:7f00:1::", "2002:a00:1::1", "2002:c0a8:101::1",  # 6to4 wrapping private v4
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1",  # Teredo
        "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::808:808",  # NAT64, any embedded v4
        "64:ff9b:1::a00:1",  # local-use NAT64
        "100::1",  # discard-only
        "fec0::1",  # deprecated site-local
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",  # decimal integer form of 127.0.0.1
        "http://0x7f.1/",  # hex + short form
        "http://017700000001/",  # octal
        "http://127.1/",
        "http://0/",  # 0.0.0.0 reaches local services on Linux
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1:8080/admin",
    ],
)
def test_literal_private_hosts_are_refused_after_resolution(url: str) -> None:
    # Default resolver and default policy: the check looks at what getaddrinfo makes of
    # the host, so obfuscated spellings of 127.0.0.1 cannot slip past a string check.
    with pytest.raises(FetchError) as info:
        fetch_url(url, timeout=2)
    assert info.value.code == "blocked_address"
    assert "not a public address" in str(info.value)


def test_host_is_refused_if_any_resolved_address_is_private() -> None:
    resolver = fake_dns({"mixed.example": ["8.8.8.8", "10.1.2.3"]})
    with pytest.raises(FetchError) as info:
        fetch_url("http://mixed.example/", resolver=resolver)
    assert info.value.code == "blocked_address"
    assert "10.1.2.3" in str(info.value)


# --------------------------------------------------------------------------- URL validation


@pytest.mark.parametrize(
    "url",
    [
        "ftp://news.example/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://news.example:70/_",
        "news.example/no-scheme",
        "http://user:secret@news.example/",
        "http://user@news.example/",
        "http://news.example\\@127.0.0.1/",
        "http:///no-host",
        "http://:80/",
        "https://news.example:99999/",
        "https://news.example:0/",
        "https://news.example:http/",
        "http://[::1/",
        "http://news..example/",
        "http://news.example/a b",
        "http://news.example/\r\nX-Injected: yes",
    ],
)
def test_invalid_urls_are_refused_before_any_lookup(url: str) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(url, resolver=never_resolve)
    assert info.value.code == "invalid_url"
    assert "URL" in str(info.value)


def test_unknown_host_is_a_dns_error() -> None:
    with pytest.raises(FetchError) as info:
        fetch_url("http://nowhere.example/", resolver=fake_dns({}))
    assert info.value.code == "dns_error"
    assert "nowhere.example" in str(info.value)


# --------------------------------------------------------------------------- fetching


def test_page_is_fetched_with_type_charset_and_body(fresh_site: RecordingServer) -> None:
    page = fetch_from(fresh_site, "/article")
    assert page == FetchedPage(
        url=f"http://news.example:{fresh_site.port}/article",
        final_url=f"http://news.example:{fresh_site.port}/article",
        status=200,
        content_type="text/html",
        charset="utf-8",
        body=ARTICLE_HTML,
    )


def test_request_carries_host_user_agent_and_identity_encoding(
    fresh_site: RecordingServer,
) -> None:
    fetch_from(fresh_site, "/article?id=7")
    [(path, headers)] = fresh_site.requests
    assert path == "/article?id=7"
    assert headers["Host"] == f"news.example:{fresh_site.port}"
    assert headers["User-Agent"] == "NewsNotes/0.1 (+article import)"
    assert headers["Accept-Encoding"] == "identity"


def test_plain_text_pages_are_accepted(fresh_site: RecordingServer) -> None:
    page = fetch_from(fresh_site, "/plain")
    assert (page.content_type, page.charset, page.body) == ("text/plain", None, b"just text")


def test_connection_goes_to_the_checked_address_not_a_second_dns_answer(
    fresh_site: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the first answer passes the check, later answers point elsewhere.
    # The client must resolve once and connect to exactly the address it checked.
    answers = iter([[fresh_site.ip], [OTHER_LOOPBACK_IP], [OTHER_LOOPBACK_IP]])
    calls: list[str] = []

    def rebinding_resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    connected_to: list[tuple[str, int]] = []
    real_create_connection = socket.create_connection

    def spy(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        connected_to.append(address)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)
    page = fetch_from(fresh_site, "/article", resolver=rebinding_resolver)

    assert page.body == ARTICLE_HTML
    assert calls == ["news.example"]
    assert connected_to == [(fresh_site.ip, fresh_site.port)]
    assert fresh_site.requests[0][1]["Host"] == f"news.example:{fresh_site.port}"


def test_redirect_chain_is_followed_relative_to_each_url(fresh_site: RecordingServer) -> None:
    page = fetch_from(fresh_site, "/chain/3", max_redirects=4)
    assert page.url.endswith("/chain/3")
    assert page.final_url == f"http://news.example:{fresh_site.port}/article"
    assert page.body == ARTICLE_HTML
    assert fresh_site.paths() == ["/chain/3", "/chain/2", "/chain/1", "/chain/0", "/article"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status_is_followed(fresh_site: RecordingServer, status: int) -> None:
    assert fetch_from(fresh_site, f"/status/{status}").final_url.endswith("/article")


def test_redirects_beyond_the_limit_are_refused(fresh_site: RecordingServer) -> None:
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/chain/3", max_redirects=3)
    assert info.value.code == "too_many_redirects"
    assert fresh_site.paths() == ["/chain/3", "/chain/2", "/chain/1", "/chain/0"]


def test_redirect_loop_is_refused(fresh_site: RecordingServer) -> None:
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/loop")
    assert info.value.code == "too_many_redirects"
    assert len(fresh_site.requests) == 6  # the first request plus max_redirects=5


def test_each_redirect_hop_is_resolved_and_checked_again(fresh_site: RecordingServer) -> None:
    calls: list[str] = []
    resolver = fake_dns({"news.example": [fresh_site.ip], "mirror.example": [fresh_site.ip]}, calls)
    page = fetch_from(fresh_site, "/goto/mirror.example", resolver=resolver)
    assert page.final_url == f"http://mirror.example:{fresh_site.port}/article"
    assert calls == ["news.example", "mirror.example"]


def test_redirect_to_a_host_resolving_to_a_blocked_address_is_refused(
    fresh_site: RecordingServer,
) -> None:
    resolver = fake_dns({"news.example": [fresh_site.ip], "intranet.example": [OTHER_LOOPBACK_IP]})
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/goto/intranet.example", resolver=resolver)
    assert info.value.code == "blocked_address"
    assert "intranet.example" in str(info.value)


def test_redirect_to_loopback_is_refused(
    other_loopback_site: RecordingServer, site: RecordingServer
) -> None:
    # The "public" site lives on 127.0.0.2 and is the only exception to the default policy;
    # its redirect to http://127.0.0.1:<port>/ must meet the default policy and be refused,
    # and the server behind 127.0.0.1 must never see a request.
    site.requests.clear()
    with pytest.raises(FetchError) as info:
        fetch_from(
            other_loopback_site,
            f"/goto/{SITE_IP}",
            allow_address=lambda ip: (
                ip == ipaddress.ip_address(OTHER_LOOPBACK_IP) or is_public_address(ip)
            ),
        )
    assert info.value.code == "blocked_address"
    assert "127.0.0.1" in str(info.value)
    assert other_loopback_site.paths() == [f"/goto/{SITE_IP}"]
    assert site.requests == []


def test_redirect_to_a_non_http_scheme_is_refused(fresh_site: RecordingServer) -> None:
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/to-file")
    assert info.value.code == "invalid_url"
    assert "file" in str(info.value)


def test_not_found_is_an_http_error_naming_the_status(fresh_site: RecordingServer) -> None:
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/missing")
    assert info.value.code == "http_error"
    assert "404" in str(info.value)


def test_redirect_without_location_is_an_http_error(fresh_site: RecordingServer) -> None:
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/no-location")
    assert info.value.code == "http_error"
    assert "302" in str(info.value)


@pytest.mark.parametrize(
    ("path", "detail"),
    [("/pdf", "application/pdf"), ("/untyped", "type"), ("/gzipped", "gzip")],
)
def test_non_html_content_is_refused(fresh_site: RecordingServer, path: str, detail: str) -> None:
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, path)
    assert info.value.code == "unsupported_type"
    assert detail in str(info.value)


def test_body_exactly_at_the_limit_is_accepted(fresh_site: RecordingServer) -> None:
    assert len(fetch_from(fresh_site, "/sized/2000", max_bytes=2000).body) == 2000


def test_declared_oversize_body_is_refused_without_reading_it(
    fresh_site: RecordingServer,
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/declares-huge", max_bytes=10_000)
    assert info.value.code == "too_large"
    assert "52428800" in str(info.value)
    assert time.monotonic() - started < 1


def test_streamed_oversize_body_without_length_is_cut_off(fresh_site: RecordingServer) -> None:
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/endless-chunked", max_bytes=20_000)
    assert info.value.code == "too_large"


def test_body_shorter_than_its_content_length_is_a_connection_error(
    fresh_site: RecordingServer,
) -> None:
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/truncated")
    assert info.value.code == "connection_error"


def test_slow_drip_body_is_cut_off_at_the_total_timeout(fresh_site: RecordingServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/drip-body", timeout=1.0)
    elapsed = time.monotonic() - started
    assert info.value.code == "timeout"
    assert 0.9 < elapsed < 1.5  # each byte arrives well within any per-read timeout


def test_slow_drip_headers_are_cut_off_at_the_total_timeout(
    fresh_site: RecordingServer,
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_from(fresh_site, "/drip-headers", timeout=0.6)
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 1.1


def test_slow_dns_counts_towards_the_timeout() -> None:
    release = threading.Event()

    def stuck_resolver(host: str, port: int) -> list[str]:
        release.wait(5)
        return ["127.0.0.1"]

    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as info:
            fetch_url("http://slow.example/", resolver=stuck_resolver, timeout=0.3)
    finally:
        release.set()
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 0.8


def test_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as placeholder:  # reserve a port, then free it so nothing listens
        placeholder.bind((SITE_IP, 0))
        port = placeholder.getsockname()[1]
    with pytest.raises(FetchError) as info:
        fetch_url(
            f"http://news.example:{port}/",
            resolver=fake_dns({"news.example": [SITE_IP]}),
            allow_address=only(SITE_IP),
        )
    assert info.value.code == "connection_error"


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordingServer]:
    directory: Path = tmp_path_factory.mktemp("tls")
    (directory / "cert.pem").write_text(NEWS_EXAMPLE_CERT_PEM)
    (directory / "key.pem").write_text(NEWS_EXAMPLE_KEY_PEM)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    server = RecordingServer((SITE_IP, 0))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def trust_test_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    # Same verification as production (chain + host name), with the test CA as the root.
    monkeypatch.setattr(
        urlfetch, "_tls_context", lambda: ssl.create_default_context(cadata=TEST_CA_PEM)
    )


def fetch_tls(site: RecordingServer, host: str) -> FetchedPage:
    return fetch_url(
        f"https://{host}:{site.port}/article",
        resolver=fake_dns({host: [site.ip]}),
        allow_address=only(site.ip),
        timeout=5,
    )


@pytest.mark.usefixtures("trust_test_ca")
def test_https_is_verified_against_the_original_host_name(tls_site: RecordingServer) -> None:
    # The socket goes to 127.0.0.1, yet SNI and the certificate check use news.example.
    page = fetch_tls(tls_site, "news.example")
    assert page.body == ARTICLE_HTML
    assert tls_site.requests[-1][1]["Host"] == f"news.example:{tls_site.port}"


@pytest.mark.usefixtures("trust_test_ca")
def test_https_certificate_for_another_host_is_refused(tls_site: RecordingServer) -> None:
    with pytest.raises(FetchError) as info:
        fetch_tls(tls_site, "other.example")
    assert info.value.code == "tls_error"
    assert "other.example" in str(info.value)


def test_https_certificate_from_an_untrusted_ca_is_refused(tls_site: RecordingServer) -> None:
    with pytest.raises(FetchError) as info:
        fetch_tls(tls_site, "news.example")
    assert info.value.code == "tls_error"


def test_silent_server_times_out_during_the_tls_handshake() -> None:
    with socket.socket() as listener:  # accepts connections, never says a word
        listener.bind((SITE_IP, 0))
        listener.listen()
        port = listener.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            fetch_url(
                f"https://news.example:{port}/",
                resolver=fake_dns({"news.example": [SITE_IP]}),
                allow_address=only(SITE_IP),
                timeout=0.5,
            )
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 1.0
