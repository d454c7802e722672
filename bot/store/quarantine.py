"""Quarantined text: list what ingest-time screening held back, and release a span back into its chunk.

Rows are written by the ingest transaction (``agents.ingestion.writer``); this repository reads them
and releases them. A release puts the span back where it was in its chunk (or re-creates the chunk
when everything in it was held back), re-embeds that chunk, and marks the row released, all in one
tenant-scoped transaction: readers see the chunk before or after, never half.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from psycopg.types.json import Jsonb
from sqlalchemy import Connection, text

from agents.ingestion.chunking import content_hash
from agents.ingestion.ingest import chunk_embedding_text
from agents.ingestion.screen import Span, restore_span
from agents.retrieval.store import vector_literal
from bot.db.database import Database

Embed = Callable[[list[str]], np.ndarray]
CountTokens = Callable[[str], int]
_COLUMNS = (
    "q.id, q.tenant_id, q.collection, q.source, q.chunk_index, q.sentence, q.category, q.layer, q.score,"
    " q.created_at, q.released_by, q.released_at"
)


class QuarantineError(LookupError):
    """No such quarantined span for this tenant, or it was already released; the message says which."""


@dataclass(frozen=True)
class QuarantineRow:
    """One held-back span as stored (``sentence`` as the document had it)."""

    id: uuid.UUID
    tenant: str
    collection: str
    source: str
    chunk_index: int
    sentence: str
    category: str
    layer: str
    score: float
    created_at: datetime
    released_by: str | None
    released_at: datetime | None


def parse_id(value: str) -> uuid.UUID:
    """A quarantine id from user input; ``QuarantineError`` when it is not one."""
    try:
        return uuid.UUID(value.strip())
    except ValueError as exc:
        raise QuarantineError(f"{value!r} is not a quarantine id (see `steward quarantine list`)") from exc


class QuarantineStore:
    """Reads and releases quarantined spans; ``embed`` and ``count_tokens`` re-embed a released chunk."""

    def __init__(self, database: Database, embed: Embed, count_tokens: CountTokens) -> None:
        self._database = database
        self._embed = embed
        self._count_tokens = count_tokens

    def find(
        self, tenant: str | None, collection: str | None = None, released: bool = False, limit: int = 200
    ) -> list[QuarantineRow]:
        """Newest first: held-back spans (``released``: released ones) of one tenant, or of all for ``None``."""
        sql = f"SELECT {_COLUMNS} FROM quarantined_text q WHERE q.released_at IS {'NOT ' if released else ''}NULL"  # noqa: S608
        params: dict[str, Any] = {"limit": limit}
        if tenant is not None:
            sql += " AND q.tenant_id = :t"
            params["t"] = tenant
        if collection is not None:
            sql += " AND q.collection = :c"
            params["c"] = collection
        sql += " ORDER BY q.created_at DESC, q.source, q.chunk_index, q.start LIMIT :limit"
        ctx = self._database.tenant_connection(tenant) if tenant is not None else self._database.engine.begin()
        with ctx as conn:
            return [QuarantineRow(*row) for row in conn.execute(text(sql), params).all()]

    def tenant_of(self, quarantine_id: uuid.UUID) -> str:
        """The tenant a span belongs to (operator commands only: reads outside row-level security)."""
        with self._database.engine.begin() as conn:
            found = conn.execute(
                text("SELECT tenant_id FROM quarantined_text WHERE id = :id"), {"id": quarantine_id}
            ).scalar_one_or_none()
        if found is None:
            raise QuarantineError(f"no quarantined text with id {quarantine_id}")
        return str(found)

    def released_in(self, tenant: str, chunk_id: str) -> list[str]:
        """Sentences an admin released back into the chunk ``chunk_id`` (question-time screening skips them)."""
        try:
            key = uuid.UUID(chunk_id)
        except ValueError:
            return []
        with self._database.tenant_connection(tenant) as conn:
            found = conn.execute(
                text(
                    "SELECT q.sentence FROM quarantined_text q JOIN chunks c ON c.document_id = q.document_id"
                    " AND c.chunk_index = q.chunk_index"
                    " WHERE c.tenant_id = :t AND c.id = :id AND q.released_at IS NOT NULL"
                ),
                {"t": tenant, "id": key},
            ).scalars()
            return [str(sentence) for sentence in found]

    def release(self, tenant: str, quarantine_id: uuid.UUID, actor: str) -> QuarantineRow:
        """Put the span back into its chunk, re-embed the chunk, and mark the span released by ``actor``."""
        with self._database.tenant_connection(tenant) as conn:
            row = _locked(conn, quarantine_id)
            missing = conn.execute(
                text(
                    "SELECT start, sentence FROM quarantined_text WHERE document_id = :d AND chunk_index = :i"
                    " AND released_at IS NULL"
                ),
                {"d": row["document_id"], "i": row["chunk_index"]},
            ).all()
            self._restore(conn, row, [Span(start, sentence) for start, sentence in missing])
            conn.execute(
                text("UPDATE quarantined_text SET released_by = :a, released_at = now() WHERE id = :id"),
                {"a": actor, "id": quarantine_id},
            )
            listed = conn.execute(
                text(f"SELECT {_COLUMNS} FROM quarantined_text q WHERE q.id = :id"),  # noqa: S608
                {"id": quarantine_id},
            ).one()
        return QuarantineRow(*listed)

    def _restore(self, conn: Connection, row: dict[str, Any], missing: Sequence[Span]) -> None:
        chunk = conn.execute(
            text(
                "SELECT id, content FROM chunks WHERE tenant_id = :t AND document_id = :d AND chunk_index = :i"
                " FOR UPDATE"
            ),
            {"t": row["tenant_id"], "d": row["document_id"], "i": row["chunk_index"]},
        ).first()
        content = restore_span(chunk.content if chunk else "", missing, Span(row["start"], row["sentence"]))
        vector = self._embed([chunk_embedding_text(row["title"], row["heading_path"], content)])[0]
        values = {
            "content": content,
            "hash": content_hash(content),
            "tokens": self._count_tokens(content),
            "embedding": vector_literal(vector),
        }
        if chunk is not None:
            conn.execute(
                text(
                    "UPDATE chunks SET content = :content, content_hash = :hash, token_count = :tokens,"
                    " embedding = CAST(:embedding AS vector) WHERE tenant_id = :t AND id = :id"
                ),
                {**values, "t": row["tenant_id"], "id": chunk.id},
            )
        else:
            _insert_chunk(conn, row, values)


def _locked(conn: Connection, quarantine_id: uuid.UUID) -> dict[str, Any]:
    found = conn.execute(
        text(
            "SELECT q.*, d.title FROM quarantined_text q JOIN documents d ON d.id = q.document_id"
            " WHERE q.id = :id FOR UPDATE OF q"
        ),
        {"id": quarantine_id},
    ).first()
    if found is None:
        raise QuarantineError(f"no quarantined text with id {quarantine_id}")
    row = dict(found._mapping)
    if row["released_at"] is not None:
        raise QuarantineError(f"{quarantine_id} was already released by {row['released_by']}")
    return row


def _insert_chunk(conn: Connection, row: dict[str, Any], values: dict[str, Any]) -> None:
    """Re-create a chunk that was held back whole (it was never written)."""
    conn.execute(
        text(
            "INSERT INTO chunks (id, document_id, tenant_id, collection, chunk_index, heading_path, content,"
            " content_hash, token_count, page, anchor, metadata, embedding)"
            " VALUES (:id, :d, :t, :c, :i, :h, :content, :hash, :tokens, :page, :anchor, :meta,"
            " CAST(:embedding AS vector))"
        ),
        {
            **values,
            "id": uuid.uuid4(),
            "d": row["document_id"],
            "t": row["tenant_id"],
            "c": row["collection"],
            "i": row["chunk_index"],
            "h": row["heading_path"],
            "page": row["page"],
            "anchor": row["anchor"],
            "meta": Jsonb({"title": row["title"], "source": row["source"]}),
        },
    )
    conn.execute(text("UPDATE documents SET chunk_count = chunk_count + 1 WHERE id = :d"), {"d": row["document_id"]})
