"""Fetching one http(s) URL safely: SSRF guard, pinned addresses, manual redirects, size and time limits.

**SSRF guard.** Before every request (the first and each redirect hop) the host is resolved with
``socket.getaddrinfo`` and the fetch is refused if *any* of its addresses is loopback, private,
link-local (which includes the 169.254.169.254 cloud metadata service), multicast, reserved,
unspecified or otherwise not globally routable, including the IPv4-mapped IPv6 forms of those, unless
the host is named in ``IngestSettings.allow_hosts``.

**DNS rebinding.** The request is then sent to the very address that was checked: the URL's host is
replaced by that IP, the ``Host`` header keeps the name, and for https the TLS SNI name (and so the
certificate check) keeps the name too (httpcore's ``sni_hostname`` extension). A second, different DNS
answer therefore cannot redirect the connection. What remains: the check trusts the system resolver
(``/etc/hosts`` included); a name in ``allow_hosts`` is trusted whatever it resolves to; and proxies are
disabled (``trust_env=False``) because a proxy would resolve the name again on its own.

**Limits.** Connect and per-read timeouts, a total deadline, a size cap enforced while the body streams
(a ``Content-Length`` above it is refused before reading), an allow-list of content types, and at most
``url_max_redirects`` redirects. ``If-None-Match`` makes re-fetching an unchanged page cheap.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath

import httpx

from agents.config import IngestSettings
from agents.ingestion.errors import FetchRefused

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Content type -> (file name suffixes that agree with it, the suffix used when the URL's name has none of them).
CONTENT_TYPES: dict[str, tuple[frozenset[str], str]] = {
    "text/html": (frozenset({".html", ".htm"}), ".html"),
    "text/markdown": (frozenset({".md", ".markdown"}), ".md"),
    "text/plain": (frozenset({".txt", ".text", ".md", ".markdown"}), ".txt"),
    "application/pdf": (frozenset({".pdf"}), ".pdf"),
    DOCX_TYPE: (frozenset({".docx"}), ".docx"),
}
_REDIRECTS = {301, 302, 303, 307, 308}
_MB = 1_000_000
_IP = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Fetched:
    """A successful download. ``url`` is the final URL after redirects; ``name`` suits type detection."""

    url: str
    name: str
    data: bytes
    content_type: str
    etag: str | None
    last_modified: datetime | None


@dataclass(frozen=True)
class NotModified:
    """The server answered 304 to ``If-None-Match``: the stored version is current."""

    url: str
    etag: str | None


@dataclass(frozen=True)
class _Target:
    """Where one request really goes: ``pinned`` has the checked IP in place of the host name."""

    url: httpx.URL
    pinned: httpx.URL
    host_header: str
    sni: str | None


def blocked_reason(ip: _IP) -> str | None:
    """Why an address must not be fetched from (``"loopback"``, ``"private"``, ...), or ``None``."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return blocked_reason(ip.ipv4_mapped)
    checks = [
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    ]
    return next((name for name, hit in checks if hit), None)


def resolve_checked(host: str, port: int, allow_hosts: list[str]) -> str:
    """Resolve ``host`` and return the address to connect to; raises ``FetchRefused`` if any address is blocked."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"cannot resolve {host}: {exc}") from exc
    addresses = [str(info[4][0]).split("%", 1)[0] for info in infos]
    if not addresses:
        raise FetchRefused(f"cannot resolve {host}: no addresses")
    if host.lower() not in {h.lower() for h in allow_hosts}:
        for address in addresses:
            reason = blocked_reason(ipaddress.ip_address(address))
            if reason:
                shown = host if host == address else f"{host} resolves to {address}, which"
                article = "an" if reason[0] in "aeiou" else "a"
                raise FetchRefused(
                    f"{shown} is {article} {reason} address (add the host to STEWARD_INGEST_ALLOW_HOSTS to allow it)"
                )
    return addresses[0]


def _target(url: httpx.URL, settings: IngestSettings) -> _Target:
    if url.scheme not in {"http", "https"}:
        raise FetchRefused(f"only http and https URLs are fetched, not {url.scheme or 'a relative URL'}")
    host = url.raw_host.decode("ascii")
    if not host:
        raise FetchRefused("URL has no host")
    port = url.port or (443 if url.scheme == "https" else 80)
    address = resolve_checked(host, port, settings.allow_hosts)
    sni = host if url.scheme == "https" else None
    return _Target(url, url.copy_with(host=address), url.netloc.decode("ascii"), sni)


def fetch(url: str, settings: IngestSettings, etag: str | None = None) -> Fetched | NotModified:
    """GET ``url`` within the limits above; with ``etag``, a 304 answer gives ``NotModified``.

    Raises ``FetchRefused`` for anything refused or failed (SSRF guard, HTTP error status, content type,
    size, time, too many redirects, network errors).
    """
    timeout = httpx.Timeout(settings.url_read_timeout_s, connect=settings.url_connect_timeout_s)
    deadline = time.monotonic() + settings.url_total_timeout_s
    try:
        current = httpx.URL(url)
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            for _ in range(settings.url_max_redirects + 1):
                result = _request(client, _target(current, settings), settings, etag, deadline)
                if not isinstance(result, httpx.URL):
                    return result
                current = result
    except httpx.TimeoutException as exc:
        raise FetchRefused(f"timed out: {type(exc).__name__}") from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchRefused(f"request failed: {type(exc).__name__}: {exc}") from exc
    raise FetchRefused(f"more than {settings.url_max_redirects} redirects")


def _request(
    client: httpx.Client, target: _Target, settings: IngestSettings, etag: str | None, deadline: float
) -> Fetched | NotModified | httpx.URL:
    """One hop: the next URL for a redirect, else the result."""
    # identity: a compressed body could expand far past the size cap between two checks of the stream.
    headers = {"Host": target.host_header, "Accept": ", ".join(CONTENT_TYPES), "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    extensions = {"sni_hostname": target.sni} if target.sni else {}
    with client.stream("GET", target.pinned, headers=headers, extensions=extensions) as response:
        if response.status_code in _REDIRECTS and "location" in response.headers:
            return _redirect(target.url, response.headers["location"])
        if response.status_code == 304:
            return NotModified(str(target.url), response.headers.get("etag") or etag)
        if response.status_code != 200:
            raise FetchRefused(f"HTTP {response.status_code} {response.reason_phrase}".strip())
        content_type = _content_type(response)
        data = _read_capped(response, settings, deadline)
    return Fetched(
        url=str(target.url),
        name=name_for(target.url.path, content_type),
        data=data,
        content_type=content_type,
        etag=response.headers.get("etag"),
        last_modified=_http_date(response.headers.get("last-modified")),
    )


def _redirect(current: httpx.URL, location: str) -> httpx.URL:
    try:
        return current.join(location)
    except httpx.InvalidURL as exc:
        raise FetchRefused(f"bad redirect location {location!r}") from exc


def _content_type(response: httpx.Response) -> str:
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in CONTENT_TYPES:
        raise FetchRefused(f"content type {media or '(none)'} is not accepted")
    return media


def _read_capped(response: httpx.Response, settings: IngestSettings, deadline: float) -> bytes:
    """Read the (decoded) body, stopping as soon as it passes the size cap or the deadline."""
    limit = int(settings.max_file_mb * _MB)
    too_big = FetchRefused(f"response larger than the {settings.max_file_mb:g} MB limit")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise too_big
        if time.monotonic() > deadline:
            raise FetchRefused(f"download took longer than {settings.url_total_timeout_s:g} s")
    return bytes(body)


def name_for(path: str, content_type: str) -> str:
    """A file name for type detection: the URL's last path segment, with a suffix that agrees with the type."""
    suffixes, default = CONTENT_TYPES[content_type]
    base = PurePosixPath(path).name or "index"
    return base if PurePosixPath(base).suffix.lower() in suffixes else f"{base}{default}"


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
