"""Writing one document's chunks: one tenant-scoped transaction, chunks streamed with binary COPY.

Row-level security forbids ``COPY FROM`` into a table with policies, so chunks are COPY'd into a
transaction-local staging table and moved with one ``INSERT ... SELECT`` that the policies check.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
from psycopg.types.json import Jsonb
from sqlalchemy import Connection, text

from agents.ingestion.chunking import ChunkDraft
from agents.ingestion.loaders import LoadedDocument
from agents.ingestion.screen import Flagged, sentence_hash
from agents.tenancy import TenantTx

COLUMNS = (
    "id, document_id, tenant_id, collection, chunk_index, heading_path, content, content_hash, token_count,"
    " page, anchor, metadata, embedding"
)
_TYPES = ["uuid", "uuid", "text", "text", "int4", "text", "text", "text", "int4", "int4", "text", "jsonb", "vector"]
_STAGE = (
    "CREATE TEMP TABLE chunk_stage (id uuid, document_id uuid, tenant_id text, collection text, chunk_index int,"
    " heading_path text, content text, content_hash text, token_count int, page int, anchor text, metadata jsonb,"
    " embedding vector) ON COMMIT DROP"
)
_UPSERT = text(
    """
    INSERT INTO documents (id, tenant_id, collection, source, title, content_hash, etag, mtime, size_bytes,
                           chunk_count, created_at, updated_at)
    VALUES (:id, :tenant, :collection, :source, :title, :hash, :etag, :mtime, :size, :n, now(), now())
    ON CONFLICT ON CONSTRAINT uq_documents_source DO UPDATE SET
        title = EXCLUDED.title, content_hash = EXCLUDED.content_hash, etag = EXCLUDED.etag,
        mtime = EXCLUDED.mtime, size_bytes = EXCLUDED.size_bytes, chunk_count = EXCLUDED.chunk_count,
        updated_at = now()
    RETURNING id
    """
)
_QUARANTINE = text(
    """
    INSERT INTO quarantined_text (id, tenant_id, collection, document_id, source, chunk_index, heading_path, page,
                                  anchor, start, sentence, sentence_hash, category, layer, score, created_at)
    VALUES (:id, :tenant, :collection, :doc, :source, :chunk_index, :heading_path, :page, :anchor, :start, :sentence,
            :hash, :category, :layer, :score, now())
    """
)
Quarantine = Sequence[tuple[ChunkDraft, Flagged]]


def existing_hash(tx: TenantTx, tenant: str, collection: str, source: str) -> str | None:
    """The content hash stored for ``source``, or None if it was never ingested."""
    with tx(tenant) as conn:
        return conn.execute(
            text("SELECT content_hash FROM documents WHERE collection = :c AND source = :s"),
            {"c": collection, "s": source},
        ).scalar_one_or_none()


def ensure_tenant(tx: TenantTx, tenant: str) -> None:
    """Create the tenant's chunk partition (and so its own HNSW index) if it does not exist yet."""
    with tx(tenant) as conn:
        conn.execute(text("SELECT steward_ensure_tenant(:t)"), {"t": tenant})


def _upsert_document(conn: Connection, doc: LoadedDocument, tenant: str, collection: str, n: int) -> uuid.UUID:
    conn.execute(
        text("INSERT INTO collections (tenant_id, name) VALUES (:t, :c) ON CONFLICT DO NOTHING"),
        {"t": tenant, "c": collection},
    )
    params = {
        "id": uuid.uuid4(),
        "tenant": tenant,
        "collection": collection,
        "source": doc.source,
        "title": doc.title,
        "hash": doc.content_hash,
        "etag": getattr(doc, "etag", None),
        "mtime": doc.mtime,
        "size": doc.size_bytes,
        "n": n,
    }
    return uuid.UUID(str(conn.execute(_UPSERT, params).scalar_one()))


def _rows(
    doc: LoadedDocument, doc_id: uuid.UUID, tenant: str, collection: str, drafts: list[ChunkDraft], vectors: np.ndarray
) -> list[tuple[object, ...]]:
    meta = Jsonb({"title": doc.title, "source": doc.source})
    return [
        (
            uuid.uuid4(),
            doc_id,
            tenant,
            collection,
            d.index,
            d.heading_path,
            d.text,
            d.content_hash,
            d.token_count,
            d.page,
            d.anchor,
            meta,
            vector,
        )
        for d, vector in zip(drafts, vectors, strict=True)
    ]


def copy_rows(conn: Connection, rows: list[tuple[object, ...]], target: str = "chunks") -> None:
    """Binary-COPY ``rows`` (in ``COLUMNS`` order) into a transaction-local stage, then into ``target``."""
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("no driver connection for COPY")
    with raw.cursor() as cur:
        cur.execute(_STAGE)
        with cur.copy(f"COPY chunk_stage ({COLUMNS}) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(_TYPES)
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO {target} ({COLUMNS}) SELECT {COLUMNS} FROM chunk_stage")  # noqa: S608


def replace_document(
    tx: TenantTx,
    doc: LoadedDocument,
    tenant: str,
    collection: str,
    drafts: list[ChunkDraft],
    vectors: np.ndarray,
    quarantined: Quarantine = (),
) -> uuid.UUID:
    """Upsert the document and replace all its chunks atomically: readers see old or new, never half.

    Spans still held back from the previous version are replaced by ``quarantined`` in the same
    transaction; released ones stay as the record of who released what.
    """
    ensure_tenant(tx, tenant)
    with tx(tenant) as conn:
        doc_id = _upsert_document(conn, doc, tenant, collection, len(drafts))
        conn.execute(text("DELETE FROM chunks WHERE tenant_id = :t AND document_id = :d"), {"t": tenant, "d": doc_id})
        copy_rows(conn, _rows(doc, doc_id, tenant, collection, drafts, vectors))
        _replace_quarantine(conn, doc, doc_id, (tenant, collection), quarantined)
    return doc_id


def _replace_quarantine(
    conn: Connection, doc: LoadedDocument, doc_id: uuid.UUID, where: tuple[str, str], quarantined: Quarantine
) -> None:
    conn.execute(text("DELETE FROM quarantined_text WHERE document_id = :d AND released_at IS NULL"), {"d": doc_id})
    if not quarantined:
        return
    tenant, collection = where
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant": tenant,
            "collection": collection,
            "doc": doc_id,
            "source": doc.source,
            "chunk_index": draft.index,
            "heading_path": draft.heading_path,
            "page": draft.page,
            "anchor": draft.anchor,
            "start": flagged.span.start,
            "sentence": flagged.span.text,
            "hash": sentence_hash(flagged.span.text),
            "category": flagged.category,
            "layer": flagged.layer,
            "score": flagged.score,
        }
        for draft, flagged in quarantined
    ]
    conn.execute(_QUARANTINE, rows)


def released_hashes(tx: TenantTx, tenant: str, collection: str, source: str) -> set[str]:
    """Sentence hashes an admin released for ``source``: screening keeps them when the source changes."""
    with tx(tenant) as conn:
        rows = conn.execute(
            text(
                "SELECT q.sentence_hash FROM quarantined_text q JOIN documents d ON d.id = q.document_id"
                " WHERE d.collection = :c AND d.source = :s AND q.released_at IS NOT NULL"
            ),
            {"c": collection, "s": source},
        ).scalars()
        return set(rows)


def delete_document(tx: TenantTx, tenant: str, collection: str, source: str) -> int:
    """Remove a source and (by cascade) its chunks; returns how many chunks went with it."""
    with tx(tenant) as conn:
        row = conn.execute(
            text("DELETE FROM documents WHERE collection = :c AND source = :s RETURNING chunk_count"),
            {"c": collection, "s": source},
        ).first()
    return int(row[0]) if row else 0
