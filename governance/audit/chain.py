"""The hash chain: each event's hash covers its content and the previous event's hash, per tenant."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainedEvent:
    """An audit event as stored: position in its tenant's chain, content, and the two hashes."""

    tenant: str
    seq: int
    at: datetime
    kind: str
    actor: str
    channel: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        """Everything the hash covers, except the previous hash."""
        return {
            "tenant": self.tenant,
            "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "kind": self.kind,
            "actor": self.actor,
            "channel": self.channel,
            "payload": self.payload,
        }

    def as_json(self) -> dict[str, Any]:
        """The exported form."""
        return {**self.content(), "prev_hash": self.prev_hash, "hash": self.hash}


def canonical(value: Any) -> bytes:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical content."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(content)).hexdigest()
