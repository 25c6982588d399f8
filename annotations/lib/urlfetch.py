"""SSRF-safe fetching of a single news page by URL.

Analysts paste arbitrary URLs, and the server fetches them, so a URL must never be able to
reach the server's own network (cloud metadata endpoints, databases, admin panels). The
defences, in order:

* only http/https URLs with a host and no credentials are accepted;
* the host is resolved once per hop and EVERY address must be public unicast;
* the socket is opened to the address that was checked, never to the name again, so a
  second DNS answer cannot swap in a private address (DNS rebinding);
* redirects are followed by hand and each hop goes through the same checks;
* a wall-clock deadline covers the whole fetch and a byte cap covers the body, so a slow
  or endless server cannot pin a worker.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit

from annotations.lib.addresses import IPAddress, is_public_address, legacy_ipv4

__all__ = [
    "FEED_TYPES",
    "FetchError",
    "FetchedPage",
    "fetch_url",
    "is_public_address",
    "legacy_ipv4",
]

Resolver = Callable[[str, int], list[str]]
AddressPolicy = Callable[[IPAddress], bool]

USER_AGENT = "NewsNotes/0.1 (+article import)"
ACCEPTED_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
# Feeds (RSS, Atom, RDF) as servers label them in practice; text/html is left out on purpose.
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "text/plain",
    }
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Control characters and spaces would either be rejected deep inside http.client or,
# worse, smuggle extra header lines; refuse them up front with a clear message.
_FORBIDDEN_URL_CHARS = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class FetchedPage:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content_type: str  # e.g. "text/html"
    charset: str | None
    body: bytes
    # The response's header lines in the order received, and its status line, kept for the
    # archive (a WARC response record); status 304 comes with an empty body. Not compared:
    # two fetches of one page are equal whatever their Date header says.
    headers: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    reason: str = field(default="", compare=False)
    http_version: str = field(default="HTTP/1.1", compare=False)

    def header(self, name: str) -> str:
        """The first header of that name (case-insensitive), or ''."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), "")


class FetchError(Exception):
    """Carries a human-readable message naming what was wrong; code is a short machine code.

    Codes: invalid_url, blocked_address, dns_error, connection_error, timeout, too_large,
    too_many_redirects, http_error, unsupported_type, tls_error.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only `code` would otherwise be lost when a task queue pickles the error.
        return (_rebuild_fetch_error, (self.message, self.code))


def _rebuild_fetch_error(message: str, code: str) -> FetchError:
    return FetchError(message, code=code)


# --------------------------------------------------------------------------- URL parsing


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    request_path: str  # path + query, percent-encoded, as sent on the request line


def _parse_target(url: str) -> _Target:
    if _FORBIDDEN_URL_CHARS.search(url):
        raise FetchError(f"URL contains spaces or control characters: {url!r}", code="invalid_url")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced "[" in an IPv6 host
        raise FetchError(f"URL cannot be parsed ({exc}): {url}", code="invalid_url") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchError(
            f"only http and https URLs can be fetched, not {parts.scheme or 'no scheme'!r}: {url}",
            code="invalid_url",
        )
    # Credentials in a URL are a classic way to disguise the real host ("good.com@evil"),
    # and an article import never needs them.
    if "@" in parts.netloc:
        raise FetchError(f"URL must not contain user:password@: {url}", code="invalid_url")
    host = parts.hostname
    if not host:
        raise FetchError(f"URL has no host: {url}", code="invalid_url")
    try:
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"URL has an invalid port: {url}", code="invalid_url") from exc
    if port == 0:
        raise FetchError(f"URL has an invalid port: {url}", code="invalid_url")
    return _Target(
        url=url,
        scheme=scheme,
        host=_ascii_host(host, url),
        port=port or _DEFAULT_PORTS[scheme],
        request_path=_request_path(parts.path, parts.query),
    )


def _ascii_host(host: str, url: str) -> str:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    try:
        # Internationalised names go on the wire (DNS, Host header, SNI) as punycode.
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError(f"URL has an invalid host name: {url}", code="invalid_url") from exc


def _request_path(path: str, query: str) -> str:
    # Percent-encode only what cannot appear on an HTTP request line (non-ASCII etc.),
    # leaving existing escapes and reserved characters untouched.
    safe = "!$&'()*+,;=:@/?%-._~[]"
    target = quote(path or "/", safe=safe)
    if query:
        target += "?" + quote(query, safe=safe)
    return target


# --------------------------------------------------------------------------- deadline


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._ends_at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def error(self, url: str) -> FetchError:
        return FetchError(
            f"fetching {url} took longer than {self.seconds:g} seconds", code="timeout"
        )

    def check(self, url: str) -> float:
        """Return the time left, raising the timeout error if there is none."""
        left = self.remaining()
        if left <= 0:
            raise self.error(url)
        return left


class _Watchdog:
    """Shuts a socket down when the overall deadline passes.

    Socket timeouts only bound a single recv(); a server that drips one byte at a time,
    in the headers, the TLS handshake or the body, never trips them. Shutting the socket
    down from a timer thread wakes whatever call is blocked on it. It holds a dup() of the
    descriptor because TLS wrapping detaches the original socket object, and shutdown()
    acts on the connection, not on a particular descriptor.
    """

    def __init__(self, deadline: _Deadline) -> None:
        self._deadline = deadline
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self.fired = False

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock.dup()
            self._timer = threading.Timer(max(self._deadline.remaining(), 0), self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._sock is None:
                return
            self.fired = True
            # OSError: already closed by the peer, so there is nothing left to interrupt.
            with suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._sock is not None:
                self._sock.close()
            self._sock = None


# --------------------------------------------------------------------------- resolution


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _resolve(target: _Target, resolver: Resolver, deadline: _Deadline) -> list[str]:
    """Run the resolver in a helper thread, because getaddrinfo() has no timeout of its own."""
    outcome: list[list[str] | BaseException] = []

    def work() -> None:
        try:
            outcome.append(list(resolver(target.host, target.port)))
        except BaseException as exc:  # handed back to the caller's thread below
            outcome.append(exc)

    worker = threading.Thread(target=work, name="urlfetch-resolve", daemon=True)
    worker.start()
    worker.join(deadline.check(target.url))
    if not outcome:
        raise deadline.error(target.url)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise FetchError(
            f"could not resolve host {target.host!r}: {result}", code="dns_error"
        ) from result
    return result


def _checked_addresses(
    target: _Target, resolver: Resolver, allow: AddressPolicy, deadline: _Deadline
) -> list[str]:
    """Resolve the host once and refuse the URL if ANY answer is not allowed.

    All answers are checked, not just the first, because the connection may fall back to
    any of them and because a mixed answer is itself a sign of an attack.
    """
    answers = list(dict.fromkeys(_resolve(target, resolver, deadline)))
    if not answers:
        raise FetchError(f"host {target.host!r} has no addresses", code="dns_error")
    for answer in answers:
        try:
            ip = ipaddress.ip_address(answer)
        except ValueError as exc:
            raise FetchError(
                f"host {target.host!r} resolved to something that is not an IP address: {answer!r}",
                code="dns_error",
            ) from exc
        if not allow(ip):
            raise FetchError(
                f"refusing to fetch {target.url}: host {target.host!r} resolves to {ip}, "
                "which is not a public address",
                code="blocked_address",
            )
    return answers


# --------------------------------------------------------------------------- connection


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    # Full verification: trusted chain and host name. Cached because loading the system
    # CA store costs milliseconds and the context is safe to share between threads.
    return ssl.create_default_context()


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) connection to a pre-checked IP address, speaking as the original host.

    http.client still builds the Host header from `host`, and TLS uses it for SNI and
    certificate matching; only the TCP connect is redirected to `address`.
    """

    def __init__(
        self,
        target: _Target,
        address: str,
        *,
        timeout: float,
        on_socket: Callable[[socket.socket], None],
    ) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.default_port = _DEFAULT_PORTS[target.scheme]  # so Host omits the default port
        self._address = address
        self._tls = target.scheme == "https"
        self._on_socket = on_socket

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._on_socket(sock)
            if self._tls:
                sock = _tls_context().wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def _translate(
    exc: BaseException, target: _Target, address: str, watchdog: _Watchdog, deadline: _Deadline
) -> FetchError:
    """Map a low-level failure to a FetchError; a deadline overrun wins over its symptoms."""
    if watchdog.fired or deadline.expired() or isinstance(exc, TimeoutError):
        return deadline.error(target.url)
    where = f"{target.host} ({address}) port {target.port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return FetchError(
            f"TLS certificate of {target.host} could not be verified: {exc.verify_message}",
            code="tls_error",
        )
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return FetchError(f"TLS handshake with {where} failed: {exc}", code="tls_error")
    if isinstance(exc, http.client.HTTPException):
        return FetchError(
            f"{where} sent an invalid or incomplete HTTP response: {exc!r}",
            code="connection_error",
        )
    return FetchError(f"could not connect to {where}: {exc}", code="connection_error")


@dataclass
class _Exchange:
    target: _Target
    address: str
    connection: _PinnedConnection
    response: http.client.HTTPResponse
    watchdog: _Watchdog
    deadline: _Deadline

    def fail(self, exc: BaseException) -> FetchError:
        return _translate(exc, self.target, self.address, self.watchdog, self.deadline)

    def arm_socket_timeout(self) -> None:
        # Per-operation timeout as a second line behind the watchdog.
        sock = self.connection.sock
        if sock is not None:
            sock.settimeout(self.deadline.check(self.target.url))


@contextmanager
def _exchange(
    target: _Target,
    addresses: list[str],
    deadline: _Deadline,
    headers: dict[str, str] | None = None,
) -> Iterator[_Exchange]:
    """Send the GET to the first checked address that accepts a connection."""
    failure: FetchError | None = None
    for address in addresses:
        watchdog = _Watchdog(deadline)
        connection = _PinnedConnection(
            target, address, timeout=deadline.check(target.url), on_socket=watchdog.watch
        )
        try:
            try:
                connection.request(
                    "GET", target.request_path, headers={**_request_headers(), **(headers or {})}
                )
                if connection.sock is not None:
                    connection.sock.settimeout(deadline.check(target.url))
                response = connection.getresponse()
                # The watchdog may have cut the headers short; don't judge a torn response.
                if watchdog.fired:
                    raise deadline.error(target.url)
            except (OSError, http.client.HTTPException) as exc:
                failure = _translate(exc, target, address, watchdog, deadline)
                if failure.code != "connection_error":
                    raise failure from exc
                continue  # try the next checked address, as browsers do
            yield _Exchange(target, address, connection, response, watchdog, deadline)
            return
        finally:
            watchdog.stop()
            connection.close()
    raise failure or FetchError(f"{target.host!r} has no addresses", code="dns_error")


def _request_headers() -> dict[str, str]:
    return {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8",
        # Identity only: no decompression step means no decompression bomb to guard.
        "Accept-Encoding": "identity",
        "Connection": "close",
    }


# --------------------------------------------------------------------------- response


def _redirect_location(exchange: _Exchange) -> str | None:
    response = exchange.response
    if response.status not in REDIRECT_STATUSES:
        return None
    location = response.getheader("Location")
    if not location:
        return None  # a redirect without a target is reported as the HTTP error it is
    return urljoin(exchange.target.url, location.strip())


def _check_final_response(
    exchange: _Exchange, max_bytes: int, accept_types: frozenset[str] = ACCEPTED_TYPES
) -> tuple[str, str | None]:
    response, url = exchange.response, exchange.target.url
    if not 200 <= response.status < 300:
        raise FetchError(
            f"{url} answered HTTP {response.status} {response.reason}".rstrip(),
            code="http_error",
        )
    if not response.getheader("Content-Type"):
        raise FetchError(f"{url} did not say what type of content it is", code="unsupported_type")
    content_type = response.headers.get_content_type()
    if content_type not in accept_types:
        what = "a feed" if accept_types is FEED_TYPES else "an HTML or text page"
        raise FetchError(f"{url} is {content_type}, not {what}", code="unsupported_type")
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise FetchError(
            f"{url} sent {encoding}-encoded content although only identity was accepted",
            code="unsupported_type",
        )
    declared = _declared_length(response)
    if declared is not None and declared > max_bytes:
        raise _too_large(url, max_bytes, f"declares {declared} bytes")
    return content_type, response.headers.get_content_charset()


def _declared_length(response: http.client.HTTPResponse) -> int | None:
    if response.chunked:
        return None  # Content-Length is meaningless alongside chunked encoding
    try:
        value = int(response.getheader("Content-Length") or "")
    except ValueError:
        return None
    return value if value >= 0 else None


def _too_large(url: str, max_bytes: int, detail: str) -> FetchError:
    return FetchError(
        f"{url} is larger than the {max_bytes}-byte limit ({detail})", code="too_large"
    )


def _read_body(exchange: _Exchange, max_bytes: int) -> bytes:
    response, url = exchange.response, exchange.target.url
    declared = _declared_length(response)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            exchange.arm_socket_timeout()
            # read1() returns after a single socket read, so the deadline is re-checked
            # between drips instead of after a whole 64 KiB has trickled in.
            chunk = response.read1(_READ_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise _too_large(url, max_bytes, "body kept coming")
            chunks.append(chunk)
    except (OSError, http.client.HTTPException) as exc:
        raise exchange.fail(exc) from exc
    # An empty read can be the watchdog's doing rather than a real end of body.
    if exchange.watchdog.fired:
        raise exchange.deadline.error(url)
    if declared is not None and total < declared:
        raise FetchError(
            f"{url} closed the connection after {total} of {declared} bytes",
            code="connection_error",
        )
    return b"".join(chunks)


# --------------------------------------------------------------------------- public API


def check_url_addresses(
    url: str,
    *,
    timeout: float = 3.0,
    resolver: Resolver | None = None,
    allow_address: AddressPolicy | None = None,
) -> list[str]:
    """Resolve the URL's host now and refuse it if any address is not allowed (public by
    default). For a check at submission; ``fetch_url`` checks again when it connects, since
    the answer may change in between. Raises FetchError."""
    target = _parse_target(url)
    deadline = _Deadline(timeout)
    return _checked_addresses(
        target, resolver or _system_resolver, allow_address or is_public_address, deadline
    )


def fetch_url(
    url: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = 5 * 1024 * 1024,
    max_redirects: int = 5,
    resolver: Resolver | None = None,
    allow_address: AddressPolicy | None = None,
    headers: dict[str, str] | None = None,
    accept_types: frozenset[str] = ACCEPTED_TYPES,
) -> FetchedPage:
    """Fetch an HTML or text page, refusing anything that is not on the public internet.

    `resolver` (host, port) -> IP strings and `allow_address` (which REPLACES the default
    is_public_address policy) exist for tests that serve pages from 127.0.0.1; production
    code must not pass them. Raises FetchError, never anything else for network trouble.

    `headers` adds request headers: a conditional GET sends If-None-Match / If-Modified-Since
    and gets back a FetchedPage with status 304 and an empty body when nothing changed.
    `accept_types` replaces the accepted content types (FEED_TYPES for a feed).
    """
    deadline = _Deadline(timeout)
    resolve = resolver or _system_resolver
    allow = allow_address or is_public_address
    current = url
    for _hop in range(max_redirects + 1):
        target = _parse_target(current)
        addresses = _checked_addresses(target, resolve, allow, deadline)
        with _exchange(target, addresses, deadline, headers) as exchange:
            response = exchange.response
            received = tuple((str(k), str(v)) for k, v in response.getheaders())
            status_line = {
                "reason": response.reason or "",
                "http_version": "HTTP/1.0" if response.version == 10 else "HTTP/1.1",
            }
            if response.status == 304 and headers:
                return FetchedPage(
                    url=url,
                    final_url=current,
                    status=304,
                    content_type="",
                    charset=None,
                    body=b"",
                    headers=received,
                    **status_line,
                )
            location = _redirect_location(exchange)
            if location is None:
                content_type, charset = _check_final_response(exchange, max_bytes, accept_types)
                body = _read_body(exchange, max_bytes)
                return FetchedPage(
                    url=url,
                    final_url=current,
                    status=response.status,
                    content_type=content_type,
                    charset=charset,
                    body=body,
                    headers=received,
                    **status_line,
                )
        current = location
    raise FetchError(f"{url} redirected more than {max_redirects} times", code="too_many_redirects")
