"""Writing one document's chunks: one transaction, chunks streamed with binary COPY."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np
from psycopg.types.json import Jsonb
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from agents.ingestion.chunking import ChunkDraft
from agents.ingestion.loaders import LoadedDocument
from agents.tables import Document

_COPY = (
    "COPY chunks (id, document_id, tenant_id, collection, chunk_index, heading_path, content,"
    " content_hash, token_count, metadata, embedding) FROM STDIN WITH (FORMAT BINARY)"
)
_COPY_TYPES = ["uuid", "uuid", "text", "text", "int4", "text", "text", "text", "int4", "jsonb", "vector"]


def existing_hash(engine: Engine, tenant: str, collection: str, source: str) -> str | None:
    """The content hash stored for ``source``, or None if it was never ingested."""
    with Session(engine) as session:
        statement = select(Document.content_hash).where(
            Document.tenant_id == tenant, Document.collection == collection, Document.source == source
        )
        return session.exec(statement).first()


def _upsert_document(session: Session, doc: LoadedDocument, tenant: str, collection: str, n: int) -> uuid.UUID:
    row = session.exec(
        select(Document)
        .where(Document.tenant_id == tenant, Document.collection == collection, Document.source == doc.source)
        .with_for_update()
    ).first()
    if row is None:
        row = Document(
            tenant_id=tenant,
            collection=collection,
            source=doc.source,
            title=doc.title,
            content_hash=doc.content_hash,
            mtime=doc.mtime,
            size_bytes=doc.size_bytes,
            chunk_count=n,
        )
    else:
        row.title, row.content_hash, row.mtime = doc.title, doc.content_hash, doc.mtime
        row.size_bytes, row.chunk_count, row.updated_at = doc.size_bytes, n, datetime.now(UTC)
    session.add(row)
    session.flush()
    return row.id


def replace_document(
    engine: Engine,
    doc: LoadedDocument,
    tenant: str,
    collection: str,
    drafts: list[ChunkDraft],
    vectors: np.ndarray,
) -> uuid.UUID:
    """Upsert the document row and replace all its chunks atomically: readers see old or new, never half."""
    with Session(engine) as session, session.begin():
        doc_id = _upsert_document(session, doc, tenant, collection, len(drafts))
        session.execute(text("DELETE FROM chunks WHERE document_id = :d"), {"d": doc_id})
        raw = session.connection().connection.driver_connection
        if raw is None:
            raise RuntimeError("no driver connection for COPY")
        with raw.cursor() as cur, cur.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            for draft, vector in zip(drafts, vectors, strict=True):
                meta = {"title": doc.title, "source": doc.source}
                copy.write_row(
                    (
                        uuid.uuid4(),
                        doc_id,
                        tenant,
                        collection,
                        draft.index,
                        draft.heading_path,
                        draft.text,
                        draft.content_hash,
                        draft.token_count,
                        Jsonb(meta),
                        vector,
                    )
                )
    return doc_id
