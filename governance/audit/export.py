"""Exporting audit events to JSONL or CSV with a signed manifest (count, first/last hash, HMAC)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

from governance.audit.chain import ChainedEvent, canonical

Format = Literal["jsonl", "csv"]
CSV_FIELDS = ["tenant", "seq", "at", "kind", "actor", "channel", "payload", "prev_hash", "hash"]


@dataclass(frozen=True)
class Manifest:
    """What an export holds and a MAC over its bytes, written next to it as ``<file>.manifest.json``."""

    file: str
    format: str
    count: int
    first_hash: str
    last_hash: str
    sha256: str
    hmac_sha256: str
    created_at: str
    filters: dict[str, str | None] = field(default_factory=dict)
    heads: dict[str, list[int | str]] = field(default_factory=dict)  # tenant -> [last seq, last hash]


def _row(event: ChainedEvent) -> dict[str, str]:
    data = event.as_json()
    return {k: canonical(v).decode() if k == "payload" else str(v) for k, v in data.items()}


def _write(events: Iterable[ChainedEvent], out: IO[str], fmt: Format) -> tuple[int, str, str, dict]:
    count, first, last, heads = 0, "", "", {}
    writer = csv.DictWriter(out, CSV_FIELDS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for event in events:
        if writer:
            writer.writerow(_row(event))
        else:
            out.write(canonical(event.as_json()).decode() + "\n")
        count, first, last = count + 1, first or event.hash, event.hash
        heads[event.tenant] = [event.seq, event.hash]
    return count, first, last, heads


def file_mac(path: Path, key: bytes) -> tuple[str, str]:
    """(SHA-256, HMAC-SHA256) of a file's bytes."""
    digest, mac = hashlib.sha256(), hmac.new(key, digestmod=hashlib.sha256)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
            mac.update(block)
    return digest.hexdigest(), mac.hexdigest()


def manifest_path(out: Path) -> Path:
    """Where the manifest of ``out`` is written."""
    return out.with_name(out.name + ".manifest.json")


def export_events(
    events: Iterable[ChainedEvent], out: Path, fmt: Format, key: bytes, filters: dict[str, str | None]
) -> Manifest:
    """Write ``events`` to ``out`` (via a temporary file, so a failure leaves no partial export)."""
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as fh:
        count, first, last, heads = _write(events, fh, fmt)
    partial.replace(out)
    sha, mac = file_mac(out, key)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    manifest = Manifest(out.name, fmt, count, first, last, sha, mac, created, filters, heads)
    manifest_path(out).write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    return manifest


def check_export(out: Path, key: bytes) -> bool:
    """True when ``out`` still matches the HMAC in its manifest."""
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    return hmac.compare_digest(file_mac(out, key)[1], manifest["hmac_sha256"])
