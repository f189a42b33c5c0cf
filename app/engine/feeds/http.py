"""Fetching one feed over HTTP(S), politely and within hard limits.

``fetch_feed`` sends a conditional GET (ETag / Last-Modified), follows a bounded
number of redirects, decompresses the body itself so that the size cap counts
*decoded* bytes (a small gzip "bomb" cannot expand into gigabytes), and turns every
network failure into a :class:`~app.engine.errors.FeedError` whose message can be
shown to the user as is.

Errors raised here::

    FeedError
      bad URL scheme, invalid proxy, timeout, the overall deadline passed, connection
      failure, too many redirects, a redirect to another scheme or into this computer's
      own network, HTTP 4xx/5xx, body larger than the cap, corrupt compression

A SOCKS proxy (for example Tor at ``socks5://127.0.0.1:9050``) needs the
``socksio`` package. httpcore sends the host *name* to a SOCKS5 proxy, so DNS is
resolved by the proxy and does not leak, with ``socks5://`` as with ``socks5h://``.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx

from app.engine.errors import FeedError

__all__ = ["FetchOptions", "FetchResult", "fetch_feed", "make_client", "points_into_local_network"]

log = logging.getLogger(__name__)

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, */*;q=0.5"
)
# Only what we can decode ourselves with a bounded output size (see _decoded_chunks).
_ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")  # RFC 3986; a relative path has none


@dataclass(frozen=True)
class FetchOptions:
    """How to fetch feeds.

    ``timeout`` bounds connecting and every wait for data (seconds); ``deadline``
    bounds the whole fetch, redirects and body included, so that a server dripping
    one byte at a time cannot hold a worker forever.
    """

    timeout: float = 20.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "NarrativeRadar/0.1 (+offline news monitor)"
    proxy: str | None = None
    deadline: float = 120.0


@dataclass(frozen=True)
class FetchResult:
    """What one fetch returned.

    ``content`` is the decoded body, or ``None`` when the server answered
    304 Not Modified (``not_modified`` is then true). ``etag`` and
    ``last_modified`` are the validators to send next time; on a 304 without
    them they repeat the ones that were sent.
    """

    url: str
    final_url: str
    status: int
    content: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    not_modified: bool


def make_client(options: FetchOptions = FetchOptions()) -> httpx.Client:
    """Make an HTTP client to share between fetches (and threads).

    Parameters
    ----------
    options
        Timeout, user agent and proxy to use. Redirects are not followed by the
        client; :func:`fetch_feed` follows them itself, up to its own limit.

    Returns
    -------
    httpx.Client
        Thread-safe; close it (or use it as a context manager) when done.

    Raises
    ------
    FeedError
        The proxy address is not valid (``source`` is the proxy address).

    Examples
    --------
    >>> with make_client(FetchOptions(proxy="socks5://127.0.0.1:9050")) as client:
    ...     result = fetch_feed("https://example.org/feed.xml", client=client)  # doctest: +SKIP
    """
    try:
        transport = httpx.HTTPTransport(proxy=options.proxy or None)
        # httpx has no public hook between it and its sockets; this one attribute of its
        # connection pool (the same for a proxy) is where every socket wait can be bounded.
        pool = transport._pool
        pool._network_backend = _GuardedBackend(pool._network_backend, resolves_names=not options.proxy)
        return httpx.Client(
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": options.user_agent},
            event_hooks={"response": [_refuse_other_schemes]},
            # Proxy settings come from our options only: picking up HTTP_PROXY from
            # the environment would silently route around a configured Tor proxy.
            trust_env=False,
        )
    except (ValueError, TypeError, ImportError, httpx.InvalidURL) as exc:
        proxy = _shown(options.proxy) or ""
        raise FeedError(
            proxy,
            f"The proxy address {proxy!r} is not valid; use e.g. "
            "socks5://127.0.0.1:9050 or http://proxy.example:3128",
        ) from exc


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    options: FetchOptions = FetchOptions(),
    client: httpx.Client | None = None,
) -> FetchResult:
    """Fetch a feed with a conditional GET, within time and size limits.

    Parameters
    ----------
    url
        An ``http://`` or ``https://`` address.
    etag, last_modified
        Validators from the previous fetch, sent as ``If-None-Match`` and
        ``If-Modified-Since``.
    options
        Limits and user agent. ``timeout``, ``deadline``, ``max_bytes``,
        ``max_redirects`` and ``user_agent`` apply per call even with a shared
        client; ``proxy`` is used when no ``client`` is given, and names the proxy
        in messages either way.
    client
        A client from :func:`make_client` (made with the same ``options``) to reuse
        connections; one is made (and closed) for this call otherwise.

    Returns
    -------
    FetchResult
        With ``content=None, not_modified=True`` on 304 Not Modified.

    Raises
    ------
    FeedError
        Bad scheme, invalid proxy, timeout, connection failure, too many
        redirects, an HTTP error status, a body over ``max_bytes`` once
        decompressed, or corrupt compression. The message is in plain words.

    Examples
    --------
    >>> first = fetch_feed("https://example.org/feed.xml")  # doctest: +SKIP
    >>> again = fetch_feed("https://example.org/feed.xml", etag=first.etag,
    ...                    last_modified=first.last_modified)  # doctest: +SKIP
    >>> again.not_modified  # doctest: +SKIP
    True
    """
    _check_scheme(url, url)
    if client is None:
        with make_client(options) as own_client:
            return _fetch(url, etag, last_modified, options, own_client)
    return _fetch(url, etag, last_modified, options, client)


def _fetch(
    url: str,
    etag: str | None,
    last_modified: str | None,
    options: FetchOptions,
    client: httpx.Client,
) -> FetchResult:
    headers = {
        "User-Agent": options.user_agent,
        "Accept": _ACCEPT,
        "Accept-Encoding": _ACCEPT_ENCODING,
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.monotonic()
    own_host = httpx.URL(url).host if _is_valid(url) else ""
    try:
        _fetching.at, _fetching.own_host = started + options.deadline, own_host
        request = client.build_request(
            "GET", url, headers=headers, timeout=httpx.Timeout(options.timeout)
        )
        redirects = 0
        while True:
            response = client.send(request, stream=True, follow_redirects=False)
            try:
                if response.next_request is None:
                    return _read_response(url, response, etag, last_modified, options, started)
                redirects += 1
                if redirects > options.max_redirects:
                    raise FeedError(
                        url,
                        f"The feed was redirected more than {_times(options.max_redirects)} "
                        f"(last to {response.next_request.url})",
                    )
                request = response.next_request
                _check_scheme(url, str(request.url))
                _check_destination(request.url, own_host, resolve=not options.proxy)
                _check_deadline(url, options, started)
                if response.url.scheme == "https" and request.url.scheme == "http":
                    log.warning("%s: redirected from https to plain http (%s)", url, request.url)
            finally:
                response.close()
    except FeedError:
        raise
    except _IntoLocalNetwork as exc:
        raise FeedError(
            url, f"The feed redirected to {exc.shown}, an address on this computer or its local network; "
                 "only a feed you add yourself may point there"
        ) from exc
    except _RedirectElsewhere as exc:
        raise FeedError(
            url, f"The server redirected the feed to a {exc.scheme}: address, which is not a web address; "
                 "only http:// and https:// redirects are followed"
        ) from exc
    except httpx.TimeoutException as exc:
        if time.monotonic() - started >= options.deadline:
            raise FeedError(url, _past_deadline(options)) from exc
        raise FeedError(
            url, f"The server did not answer within {options.timeout:g} s"
        ) from exc
    except httpx.ProxyError as exc:
        raise FeedError(
            url, f"The proxy {_shown(options.proxy) or 'in use'} could not reach the feed ({_reason(exc)})"
        ) from exc
    except httpx.ConnectError as exc:
        tls = _find_cause(exc, ssl.SSLError)
        if tls is not None:
            # On a hostile network "certificate verify failed" may mean interception.
            raise FeedError(
                url, f"The secure connection to host {_host(url)} failed ({_reason(tls)})"
            ) from exc
        if options.proxy:
            # httpx reports the proxy itself being unreachable as a ConnectError;
            # failures beyond the proxy come as ProxyError (handled above).
            raise FeedError(
                url, f"Could not connect to the proxy {_shown(options.proxy)} ({_reason(exc)})"
            ) from exc
        raise FeedError(
            url, f"Could not connect to host {_host(url)} ({_reason(exc)})"
        ) from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise FeedError(url, f"This is not a valid web address ({_reason(exc)})") from exc
    except httpx.TransportError as exc:
        # Read/write errors and protocol violations after the connection was made.
        raise FeedError(
            url, f"The connection to host {_host(url)} broke off ({_reason(exc)})"
        ) from exc
    finally:
        _fetching.at = _fetching.own_host = None


def _read_response(
    url: str,
    response: httpx.Response,
    etag: str | None,
    last_modified: str | None,
    options: FetchOptions,
    started: float,
) -> FetchResult:
    status = response.status_code
    final_url = str(response.url)
    if status == 304:
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            content=None,
            etag=response.headers.get("ETag") or etag,
            last_modified=response.headers.get("Last-Modified") or last_modified,
            content_type=response.headers.get("Content-Type"),
            not_modified=True,
        )
    if status >= 300:
        raise FeedError(url, _status_message(response), status=status, retry_after=_retry_after(response))
    too_large = f"The feed is larger than the {_size(options.max_bytes)} limit"
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    declared = response.headers.get("Content-Length", "")
    if encoding in ("", "identity") and declared.isdigit() and int(declared) > options.max_bytes:
        raise FeedError(url, too_large)
    body = bytearray()
    for chunk in _decoded_chunks(url, response, encoding, options.max_bytes):
        body += chunk
        if len(body) > options.max_bytes:
            raise FeedError(url, too_large)
        _check_deadline(url, options, started)
    return FetchResult(
        url=url,
        final_url=final_url,
        status=status,
        content=bytes(body),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        content_type=response.headers.get("Content-Type"),
        not_modified=False,
    )


def _decoded_chunks(
    url: str, response: httpx.Response, encoding: str, budget: int
) -> Iterator[bytes]:
    """Yield the decoded body, never more than ``budget + 1`` bytes in all.

    httpx's own decoders inflate a whole network chunk at once (64 KiB of zeros
    compressed is ~64 MiB), so we inflate with ``max_length`` instead. As httpx
    does, anything after the end of the compressed stream is ignored.
    """
    if encoding in ("", "identity"):
        yield from response.iter_raw(_CHUNK)
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FeedError(url, f"The server used a compression we cannot read ({encoding})")
    inflater: zlib._Decompress | None = None
    produced = 0
    try:
        for raw in response.iter_raw(_CHUNK):
            if inflater is None:
                inflater = zlib.decompressobj(_wbits(encoding, raw))
            data = raw
            while data and not inflater.eof and produced <= budget:
                out = inflater.decompress(data, budget - produced + 1)
                produced += len(out)
                yield out
                data = inflater.unconsumed_tail
            if inflater.eof or produced > budget:
                break
        if inflater is not None and not inflater.eof and produced <= budget:
            yield inflater.flush()
    except zlib.error as exc:
        raise FeedError(
            url, f"The server sent a corrupt {encoding}-compressed body ({exc})"
        ) from exc


def _wbits(encoding: str, first: bytes) -> int:
    if encoding != "deflate":
        return 16 + zlib.MAX_WBITS
    # "deflate" should be zlib-wrapped (RFC 9110) but many servers send it raw;
    # a zlib header is CM=8 in the low nibble and a 16-bit value divisible by 31.
    if len(first) >= 2 and first[0] & 0x0F == 8 and ((first[0] << 8) | first[1]) % 31 == 0:
        return zlib.MAX_WBITS
    return -zlib.MAX_WBITS


def _status_message(response: httpx.Response) -> str:
    status = response.status_code
    phrase = response.reason_phrase or httpx.codes.get_reason_phrase(status)
    message = f"The server answered {status} {phrase}".rstrip()
    if 300 <= status < 400:
        message += " without a usable redirect address"
    retry_after = response.headers.get("Retry-After")
    if status in (429, 503) and retry_after:
        message += f" (it asks to retry after {retry_after})"
    return message


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds a 429 or 503 answer asks us to wait: ``Retry-After: 3600`` or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if response.status_code not in (429, 503) or not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


def _check_scheme(source: str, url: str) -> None:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        shown = url if len(url) <= 80 else url[:77] + "..."
        raise FeedError(
            source, f"Only http:// and https:// feed addresses can be fetched, not {shown!r}"
        )


class _RedirectElsewhere(Exception):
    def __init__(self, scheme: str) -> None:
        super().__init__(scheme)
        self.scheme = scheme


def _refuse_other_schemes(response: httpx.Response) -> None:
    """Refuse a redirect to data:, javascript: and the like before httpx makes a request of it.

    httpx would graft the feed's host onto such an address and fail with a message about
    URL paths (or turn ``file:///etc/passwd`` into ``file://host/etc/passwd``).
    """
    if not response.has_redirect_location:
        return
    scheme = _SCHEME.match(response.headers["Location"].strip())
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise _RedirectElsewhere(scheme.group(1).lower())


def _check_deadline(url: str, options: FetchOptions, started: float) -> None:
    if time.monotonic() - started > options.deadline:
        raise FeedError(url, _past_deadline(options))


def _past_deadline(options: FetchOptions) -> str:
    return f"The feed did not finish downloading within {options.deadline:g} s"


def _check_destination(target: httpx.URL, own_host: str, *, resolve: bool) -> None:
    """Refuse a redirect into this computer or its local network, unless to the feed's own host.

    A public feed redirecting to 127.0.0.1 or 192.168.1.1 would make the app probe the
    network it runs in (routers, admin pages). The host of the address the person added is
    theirs to choose. Through a proxy, names are resolved by the proxy (Tor): only what the
    address itself says is checked then. Without one, the connection checks again the
    addresses it connects to (:class:`_GuardedBackend`): a name may resolve otherwise the
    second time (DNS rebinding).
    """
    if target.host != own_host:
        port = target.port or (443 if target.scheme == "https" else 80)
        _refuse_local(target.host, _addresses(target.host, port, resolve))


def points_into_local_network(url: str) -> bool:
    """Whether an http(s) URL names this computer or its local network by its very address.

    ``localhost``, ``127.0.0.1``, ``192.168.1.1``, ``[::1]``...; names are not resolved
    (an OPML file of hundreds would wait on DNS, and with Tor the proxy resolves them).

    Examples
    --------
    >>> points_into_local_network("http://192.168.1.1/admin"), points_into_local_network("https://example.org/rss")
    (True, False)
    """
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        return False
    try:
        _refuse_local(host, _addresses(host, 0, resolve=False))
    except _IntoLocalNetwork:
        return True
    return False


class _IntoLocalNetwork(Exception):
    def __init__(self, shown: str) -> None:
        super().__init__(shown)
        self.shown = shown


def _refuse_local(host: str, addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> None:
    if host == "localhost" or host.endswith(".localhost"):
        raise _IntoLocalNetwork(host)
    for address in addresses:
        if not address.is_global or address.is_multicast:
            raise _IntoLocalNetwork(host if str(address) == host else f"{host} ({address})")


def _addresses(host: str, port: int, resolve: bool) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        found = [ipaddress.ip_address(host)]
    except ValueError:
        if not resolve:
            return []
        try:
            found = [ipaddress.ip_address(info[4][0].split("%")[0])
                     for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
        except (OSError, UnicodeError):
            return []  # the connection fails on its own, with its own message
    # ::ffff:127.0.0.1 is 127.0.0.1; ipaddress does not say so of the IPv6 form everywhere.
    return [a.ipv4_mapped if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped else a for a in found]


def _is_valid(url: str) -> bool:
    try:
        httpx.URL(url)
    except httpx.InvalidURL:
        return False
    return True


# The fetch running in this thread: ``at``, the monotonic time by which it must end, and
# ``own_host``, the host of the feed's own address. Each fetch runs in one thread, and one
# client (with its sockets) is shared by all of them.
_fetching = threading.local()


def _left(timeout: float | None) -> float | None:
    """The socket wait allowed now: the timeout, or less when the fetch's deadline is nearer."""
    at = getattr(_fetching, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise httpcore.TimeoutException("the fetch's overall deadline passed")
    return left if timeout is None else min(timeout, left)


class _GuardedBackend(httpcore.NetworkBackend):
    """Bound every socket wait by the fetch's overall deadline, and connect only where allowed.

    httpx's timeouts bound each wait for data, so a server sending one byte at a time
    within them could hold a fetch forever, its headers included. A host other than the
    feed's own is resolved here and connected to by the addresses checked, so a name
    cannot resolve to a public address for the check and to 127.0.0.1 for the connection.
    Behind a proxy (``resolves_names`` false) every connection goes to the proxy itself.
    """

    def __init__(self, inner: httpcore.NetworkBackend, *, resolves_names: bool) -> None:
        self._inner = inner
        self._resolves_names = resolves_names

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        targets = [host]
        own_host = getattr(_fetching, "own_host", None)
        if self._resolves_names and own_host is not None and host != own_host:
            addresses = _addresses(host, port, resolve=True)
            _refuse_local(host, addresses)
            targets = [str(address) for address in addresses] or targets
        for target in targets[:-1]:
            try:
                return _DeadlineStream(self._inner.connect_tcp(target, port, _left(timeout), local_address,
                                                               socket_options))
            except httpcore.ConnectError:
                continue  # as socket.create_connection does: the next address
        return _DeadlineStream(self._inner.connect_tcp(targets[-1], port, _left(timeout), local_address,
                                                       socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.3g} MB"
    return f"{n / 1024:.3g} KB" if n >= 1024 else f"{n} bytes"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    for _ in range(10):  # chains are short; the bound guards against cycles
        if seen is None or isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _shown(proxy: str | None) -> str | None:
    """A proxy address as it may be shown and logged: a user name and password in it are left out.

    >>> _shown("http://ana:secret@proxy.example:3128")
    'http://proxy.example:3128'
    """
    if not proxy or "@" not in proxy:
        return proxy
    scheme, _, rest = proxy.rpartition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if scheme else rest.rpartition("@")[2]


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or url
    except httpx.InvalidURL:
        return url


def _reason(exc: Exception) -> str:
    # httpx wraps OSError text such as "[Errno 111] Connection refused"; keep the words.
    text = str(exc) or type(exc).__name__
    if "] " in text and text.startswith("["):
        text = text.split("] ", 1)[1]
    return text
