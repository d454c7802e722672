"""The source layer: folders with globs, size limits, ZIP archives, and URLs behind an SSRF guard.

URL tests talk real HTTP to a small threaded server on 127.0.0.1. Only DNS (the outside world) is faked,
by patching ``socket.getaddrinfo`` so that a host name resolves to a chosen address.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agents.config import IngestSettings
from agents.ingestion.loaders import parse
from agents.ingestion.sources import NotModified, RawSource, Rejected, fetch_source, iter_sources

MB = 1_000_000


def collect(targets: list[str | Path], settings: IngestSettings | None = None) -> list[RawSource | Rejected]:
    return list(iter_sources(targets, settings or IngestSettings()))


def by_origin(items: list[RawSource | Rejected]) -> dict[str, RawSource | Rejected]:
    return {item.origin: item for item in items}


def reason(item: object) -> str:
    assert isinstance(item, Rejected), item
    return item.reason


# ---- files and folders ----


def test_include_and_exclude_globs_and_hidden_entries(tmp_path: Path) -> None:
    for name in ["a.md", "notes.txt", "sub/b.md", "sub/deeper/c.md", "drafts/x.md", ".hidden/h.md", "sub/.h.md"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"# {name}\n\ntext\n")
    settings = IngestSettings(include=["**/*.md"], exclude=["drafts/**"])
    origins = [item.origin for item in collect([tmp_path], settings)]
    root = tmp_path.resolve()
    assert origins == [str(root / "a.md"), str(root / "sub/b.md"), str(root / "sub/deeper/c.md")]
    # A pattern without "/" matches any one name; an explicitly named file is always taken.
    names = [Path(i.origin).name for i in collect([tmp_path, root / "drafts/x.md"], IngestSettings(exclude=["sub"]))]
    assert names == ["a.md", "x.md", "notes.txt", "x.md"]


def test_files_read_into_raw_sources_with_utc_mtime(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_bytes(b"# Guide\n\nHello.\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    [item] = collect([path])
    assert item == RawSource(
        str(path.resolve()), "guide.md", b"# Guide\n\nHello.\n", datetime.fromtimestamp(1_700_000_000, UTC)
    )
    assert parse(item).title == "Guide"


def test_a_200_mb_file_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(200 * MB)  # sparse: no 200 MB are written, and none must be read
    [item] = collect([big])
    assert reason(item) == "larger than the 20 MB limit (200.0 MB)"


def test_missing_paths_raise_before_anything_is_yielded(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\ntext\n")
    with pytest.raises(FileNotFoundError, match="nope"):
        iter_sources([tmp_path, tmp_path / "nope"], IngestSettings())  # raised on the call, not on iteration


def test_symlinks_out_of_the_folder_and_special_files_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("password")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    os.mkfifo(folder / "pipe.txt")
    items = by_origin(collect([folder]))
    assert reason(items[str(folder / "leak.txt")]).startswith("symbolic link points outside")
    assert reason(items[str(folder / "pipe.txt")]) == "not a regular file"


# ---- ZIP archives ----


def make_zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, (2024, 5, 1, 12, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return path.resolve()


def test_zip_members_become_raw_sources_with_bang_origins(tmp_path: Path) -> None:
    members = {"guide/a.md": b"# A\n\nAlpha.\n", "notes.txt": b"Beta.", ".DS_Store": b"x", "__MACOSX/._a.md": b"x"}
    archive = make_zip(tmp_path / "docs.zip", {"guide/": b"", **members})
    items = collect([tmp_path])
    assert all(isinstance(i, RawSource) for i in items)
    assert [(i.origin, getattr(i, "name", None)) for i in items] == [
        (f"{archive}!/guide/a.md", "a.md"),
        (f"{archive}!/notes.txt", "notes.txt"),
    ]
    first = items[0]
    assert isinstance(first, RawSource) and first.data == b"# A\n\nAlpha.\n"
    assert first.mtime == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert parse(first).source == f"{archive}!/guide/a.md"


def test_a_zip_bomb_member_is_refused_and_the_rest_still_read(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bomb.zip", {"zeros.txt": bytes(50 * MB), "ok.md": b"# OK\n\nFine.\n"})
    items = by_origin(collect([archive]))
    assert "zip bomb" in reason(items[f"{archive}!/zeros.txt"])
    assert reason(items[f"{archive}!/zeros.txt"]).startswith("compression ratio ")
    assert isinstance(items[f"{archive}!/ok.md"], RawSource)
    # With a lower total limit the same archive is refused whole, before anything is decompressed.
    [whole] = collect([archive], IngestSettings(zip_max_total_mb=10))
    assert whole.origin == str(archive) and "expands to 50.0 MB, more than the 10 MB limit" in reason(whole)


def test_hostile_zip_members_are_refused_one_by_one(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:
        inner.writestr("inner.md", "# Inner")
    link = zipfile.ZipInfo("link.md")
    link.external_attr = 0o120777 << 16
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {"../../etc/passwd": b"root", "/etc/hosts": b"x", "C:/boot.ini": b"x"}.items():
            archive.writestr(name, data)
        archive.writestr(link, "/etc/passwd")
        archive.writestr("nested.zip", buffer.getvalue())
        archive.writestr("locked.md", b"# Locked")
        archive.writestr("good.md", b"# Good\n\nKept.\n")
    path.write_bytes(mark_encrypted(path.read_bytes(), "locked.md"))
    items = by_origin(collect([path]))
    base = f"{path.resolve()}!/"
    assert {origin.removeprefix(base): reason(i) for origin, i in items.items() if isinstance(i, Rejected)} == {
        "../../etc/passwd": "ZIP member escapes the archive: ../../etc/passwd",
        "/etc/hosts": "ZIP member escapes the archive: /etc/hosts",
        "C:/boot.ini": "ZIP member escapes the archive: C:/boot.ini",
        "link.md": "ZIP member is a symbolic link",
        "nested.zip": "nested ZIP archives are not expanded",
        "locked.md": "ZIP member is encrypted",
    }
    assert isinstance(items[base + "good.md"], RawSource)


def mark_encrypted(data: bytes, name: str) -> bytes:
    """Set the 'encrypted' bit of one member in its local and central headers (zipfile cannot write encrypted)."""
    buf = bytearray(data)
    for signature, flag_at, name_len_at, header_len in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        start = buf.find(signature)
        while start != -1:
            length = int.from_bytes(buf[start + name_len_at : start + name_len_at + 2], "little")
            if buf[start + header_len : start + header_len + length] == name.encode():
                buf[start + flag_at] |= 1
            start = buf.find(signature, start + 4)
    return bytes(buf)


def test_whole_archive_refusals_yield_one_rejection(tmp_path: Path) -> None:
    many = make_zip(tmp_path / "many.zip", {f"f{i}.md": b"# F" for i in range(5)})
    assert reason(collect([many], IngestSettings(zip_max_members=3))[0]) == (
        "ZIP archive has 5 entries, more than the limit of 3"
    )
    (tmp_path / "fake.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    [fake] = collect([tmp_path / "fake.zip"])
    assert reason(fake).startswith("not a valid ZIP archive")
    [large] = collect([many], IngestSettings(zip_max_mb=0.0001))
    assert reason(large).startswith("ZIP archive larger than the 0.0001 MB limit")


# ---- URLs ----


class Handler(BaseHTTPRequestHandler):
    """Routes for the URL tests; every request is recorded on the server."""

    DOC = b"# Remote\n\nFetched over HTTP.\n"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append((self.path, self.headers.get("Host")))  # type: ignore[attr-defined]
        port = self.server.server_port  # type: ignore[attr-defined]
        redirects = {
            "/to-doc": "/doc.md",
            "/to-private": "http://10.0.0.1/secret",
            "/to-metadata": "http://metadata.internal/latest/meta-data/",
            "/to-localhost": f"http://localhost:{port}/doc.md",
            "/loop": "/loop",
            "/to-ftp": "ftp://files.example/doc.md",
        }
        if self.path in redirects:
            self.send_response(302)
            self.send_header("Location", redirects[self.path])
            self.end_headers()
        elif self.path == "/doc.md":
            self.send_doc()
        elif self.path == "/wiki/page":
            self.send_body(b"<h1 id='top'>Wiki</h1><p>Page.</p>", "text/html; charset=utf-8")
        elif self.path == "/image":
            self.send_body(b"\x89PNG", "image/png")
        elif self.path == "/declared-big":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(50 * MB))
            self.end_headers()
        elif self.path == "/endless":
            self.send_endless()
        else:
            self.send_error(404)

    def send_doc(self) -> None:
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.send_header("ETag", '"v1"')
            self.end_headers()
            return
        self.send_body(
            self.DOC, "text/markdown; charset=utf-8", {"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 12:00:00 GMT"}
        )

    def send_body(self, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def send_endless(self) -> None:
        """No Content-Length and no end: only a cap enforced while streaming stops the client."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"x" * 65536)
        except OSError:
            pass


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def base(server: ThreadingHTTPServer) -> str:
    server.hits.clear()  # type: ignore[attr-defined]
    return f"http://127.0.0.1:{server.server_address[1]}"


ALLOW_LOCAL = IngestSettings(allow_hosts=["127.0.0.1", "docs.test"], max_file_mb=1, url_max_redirects=2)


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Host name -> addresses; other names go to the real resolver."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list:
        if host in table and not table[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host in table:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in table[host]]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def test_fetch_from_an_allowed_server_returns_data_etag_and_type(base: str) -> None:
    [item] = collect([f"{base}/doc.md"], ALLOW_LOCAL)
    assert isinstance(item, RawSource)
    assert (item.origin, item.name, item.data) == (f"{base}/doc.md", "doc.md", Handler.DOC)
    assert (item.etag, item.content_type) == ('"v1"', "text/markdown")
    assert item.mtime == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    doc = parse(item)
    assert doc.title == "Remote" and doc.etag == '"v1"' and doc.source == f"{base}/doc.md"


def test_conditional_fetch_with_the_same_etag_is_not_modified(base: str) -> None:
    assert fetch_source(f"{base}/doc.md", ALLOW_LOCAL, etag='"v1"') == NotModified(f"{base}/doc.md", '"v1"')
    assert isinstance(fetch_source(f"{base}/doc.md", ALLOW_LOCAL, etag='"v0"'), RawSource)


def test_redirects_are_followed_and_names_come_from_the_content_type(base: str) -> None:
    moved = fetch_source(f"{base}/to-doc", ALLOW_LOCAL)
    assert isinstance(moved, RawSource) and moved.origin == f"{base}/doc.md"
    page = fetch_source(f"{base}/wiki/page", ALLOW_LOCAL)
    assert isinstance(page, RawSource) and page.name == "page.html"
    assert parse(page).sections[0].anchor == "top"


def test_the_checked_address_is_the_one_connected_to(base: str, server: ThreadingHTTPServer, fake_dns: dict) -> None:
    port = server.server_address[1]
    fake_dns["docs.test"] = ["127.0.0.1"]
    item = fetch_source(f"http://docs.test:{port}/doc.md", ALLOW_LOCAL)
    assert isinstance(item, RawSource) and item.origin == f"http://docs.test:{port}/doc.md"
    assert server.hits == [("/doc.md", f"docs.test:{port}")]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:{port}/doc.md", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/doc.md", "::ffff:127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://metadata.internal/", "metadata.internal resolves to 169.254.169.254, which is a link-local address"),
        ("http://intranet.example/", "intranet.example resolves to 10.0.0.1, which is a private address"),
        ("http://mixed.example/", "mixed.example resolves to 10.0.0.1, which is a private address"),
        ("http://0.0.0.0:{port}/", "0.0.0.0 is an unspecified address"),
    ],
)
def test_private_addresses_are_refused(
    url: str, expected: str, server: ThreadingHTTPServer, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns.update({"metadata.internal": ["169.254.169.254"], "intranet.example": ["10.0.0.1"]})
    fake_dns["mixed.example"] = ["93.184.216.34", "10.0.0.1"]  # ANY blocked address refuses the host
    server.hits.clear()  # type: ignore[attr-defined]
    item = fetch_source(url.format(port=server.server_address[1]), IngestSettings())
    assert reason(item).startswith(expected)
    assert server.hits == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/to-private", "10.0.0.1 is a private address"),
        ("/to-metadata", "metadata.internal resolves to 169.254.169.254, which is a link-local address"),
        ("/to-localhost", "localhost resolves to "),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    path: str, expected: str, base: str, server: ThreadingHTTPServer, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns["metadata.internal"] = ["169.254.169.254"]
    item = fetch_source(base + path, ALLOW_LOCAL)
    assert reason(item).startswith(expected) and isinstance(item, Rejected) and item.origin == base + path
    assert server.hits == [(path, base.removeprefix("http://"))]  # type: ignore[attr-defined]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/endless", "response larger than the 1 MB limit"),
        ("/declared-big", "response larger than the 1 MB limit"),
        ("/image", "content type image/png is not accepted"),
        ("/loop", "more than 2 redirects"),
        ("/missing", "HTTP 404 Not Found"),
    ],
)
def test_responses_over_the_limits_are_refused(path: str, expected: str, base: str) -> None:
    assert reason(fetch_source(base + path, ALLOW_LOCAL)) == expected


def test_unresolvable_hosts_and_other_schemes_are_refused(base: str, fake_dns: dict[str, list[str]]) -> None:
    fake_dns["gone.example"] = []
    assert reason(fetch_source("http://gone.example/", IngestSettings())).startswith("cannot resolve gone.example")
    assert reason(fetch_source(f"{base}/to-ftp", ALLOW_LOCAL)) == "only http and https URLs are fetched, not ftp"
