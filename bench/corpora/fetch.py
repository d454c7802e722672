"""Fetch the Debian Reference (``debian-reference-en``) into ``.cache/corpora/debian-reference/``.

``python -m bench.corpora.fetch`` (or ``make corpus``) downloads the package with ``apt-get download`` (the
only network access, to the Debian archive; ``apt-get update`` is tried once if the package is unknown),
unpacks it with ``dpkg -x`` and copies the content pages: the preface, the 12 chapters and the appendix
(``pr01``, ``ch01``..``ch12``, ``apa``, ``*.en.html``). The generated table of contents (``index.en.html``)
is left out: it repeats every heading of the book with no text under them. A second run finds the pages in
place and does nothing, so the corpus works offline once fetched. The package version the questions were
written against is pinned by checksum in ``SHA256SUMS`` next to the questions; a different version is reported.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "debian-reference-en"
CACHE = REPO / ".cache" / "corpora" / "debian-reference"
PAGES = ("pr01", *(f"ch{n:02d}" for n in range(1, 13)), "apa")
PAGE_FILES = tuple(f"{p}.en.html" for p in PAGES)
PACKAGE_DIR = Path("usr/share/debian-reference")
CHECKSUMS = Path(__file__).resolve().parent / "debian_reference" / "pages.sha256"


class FetchError(RuntimeError):
    """The corpus could not be fetched or unpacked; the message says which step failed."""


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603


def _download(workdir: Path) -> Path:
    result = _run(["apt-get", "download", PACKAGE], workdir)
    if result.returncode != 0:
        _run(["apt-get", "update", "-qq"], workdir)
        result = _run(["apt-get", "download", PACKAGE], workdir)
    debs = sorted(workdir.glob(f"{PACKAGE}_*.deb"))
    if result.returncode != 0 or not debs:
        raise FetchError(f"apt-get download {PACKAGE} failed: {result.stderr.strip()[-400:]}")
    return debs[-1]


def _unpack(deb: Path, workdir: Path) -> Path:
    target = workdir / "unpacked"
    result = _run(["dpkg", "-x", str(deb), str(target)], workdir)
    if result.returncode != 0:
        raise FetchError(f"dpkg -x {deb.name} failed: {result.stderr.strip()[-400:]}")
    return target / PACKAGE_DIR


def page_digests(directory: Path) -> dict[str, str]:
    """``{file name: sha256}`` of the corpus pages present in ``directory``."""
    return {
        name: hashlib.sha256((directory / name).read_bytes()).hexdigest()
        for name in PAGE_FILES
        if (directory / name).is_file()
    }


def expected_digests() -> dict[str, str]:
    """The pinned digests of the pages the questions were written against."""
    lines = CHECKSUMS.read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


def is_fetched(directory: Path = CACHE) -> bool:
    """True when every page is in ``directory``."""
    return all((directory / name).is_file() for name in PAGE_FILES)


def fetch(directory: Path = CACHE) -> Path:
    """Make sure the pages are in ``directory`` (download and unpack when missing); return it."""
    if is_fetched(directory):
        return directory
    with tempfile.TemporaryDirectory(prefix="steward-corpus-") as tmp:
        source = _unpack(_download(Path(tmp)), Path(tmp))
        missing = [name for name in PAGE_FILES if not (source / name).is_file()]
        if missing:
            raise FetchError(f"{PACKAGE} lacks {', '.join(missing)}")
        staging = directory.with_name(directory.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in PAGE_FILES:
            shutil.copy2(source / name, staging / name)
        shutil.rmtree(directory, ignore_errors=True)
        staging.rename(directory)
    return directory


def main() -> int:
    """Fetch the corpus and say whether it is the version the questions were written against."""
    try:
        directory = fetch()
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    differs = [n for n, d in page_digests(directory).items() if expected_digests().get(n) != d]
    print(f"{directory}: {len(PAGE_FILES)} pages" + (f"; differ from the pinned version: {differs}" if differs else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
