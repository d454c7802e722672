"""Write path: our writer (``replace_document``) against LangChain's ``PGVector.add_embeddings``, same rows.

Ours is the production code: per document, one RLS transaction as ``steward_app`` that stages the chunks
with binary COPY and moves them into the tenant's partition of ``chunks`` with one ``INSERT ... SELECT``,
maintaining that partition's HNSW, GIN and b-tree indexes as it goes. The peer writes the same texts,
vectors and metadata into its own (unpartitioned, HNSW-less) table, one ``add_embeddings`` call per document.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from psycopg.types.json import Jsonb
from sqlalchemy import Engine, text

from agents.embeddings import SentenceTransformerEmbeddings
from agents.ingestion.writer import copy_rows, replace_document
from agents.tenancy import TenantTx
from bench.scale.data import COLLECTION, DIM, Doc

PEER_COLLECTION = "scale_peer"
_PEER_HNSW = (
    "CREATE INDEX langchain_pg_embedding_hnsw ON langchain_pg_embedding"
    " USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)
_TRANSPORT = (
    "CREATE TABLE IF NOT EXISTS scale_transport (id uuid, document_id uuid, tenant_id text, collection text,"
    " chunk_index int, heading_path text, content text, content_hash text, token_count int, page int, anchor text,"
    " metadata jsonb, embedding vector(384))"
)


@dataclass(frozen=True)
class Timed:
    """Rows written and the wall seconds it took."""

    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.seconds if self.seconds else float("nan")


def write_ours(tx: TenantTx, docs: list[Doc]) -> list[Timed]:
    """Write each document with ``replace_document``; one timing per document."""
    timings = []
    for doc in docs:
        start = time.perf_counter()
        replace_document(tx, doc.doc, doc.tenant, COLLECTION, doc.drafts, doc.vectors)
        timings.append(Timed(len(doc.drafts), time.perf_counter() - start))
    return timings


def total(timings: list[Timed]) -> Timed:
    """The sum of several timings."""
    return Timed(sum(t.rows for t in timings), sum(t.seconds for t in timings))


def _payload(doc: Doc) -> tuple[list[str], list[list[float]], list[dict[str, object]]]:
    meta = {"tenant_id": doc.tenant, "title": doc.doc.title, "source": doc.doc.source}
    texts = [d.text for d in doc.drafts]
    metas = [{**meta, "chunk_index": d.index, "heading_path": d.heading_path} for d in doc.drafts]
    return texts, doc.vectors.tolist(), metas


def write_langchain(url: str, embedder: SentenceTransformerEmbeddings, docs: list[Doc], hnsw: bool) -> Timed:
    """Write the documents with ``PGVector.add_embeddings`` (vectors precomputed: nothing is embedded).

    It starts from an empty table each time; with ``hnsw`` that table first gets an HNSW index like ours
    (cosine, m=16, ef_construction=64), which LangChain does not create itself.
    """
    from langchain_postgres import PGVector

    store = PGVector(
        embeddings=embedder,
        collection_name=PEER_COLLECTION,
        connection=url,
        embedding_length=DIM,
        use_jsonb=True,
        pre_delete_collection=True,
    )
    payloads = [_payload(doc) for doc in docs]  # list conversion outside the timing
    with store._make_sync_session() as session:
        session.execute(text("TRUNCATE langchain_pg_embedding"))
        session.execute(text("DROP INDEX IF EXISTS langchain_pg_embedding_hnsw"))
        if hnsw:
            session.execute(text(_PEER_HNSW))
        session.commit()
    try:
        start = time.perf_counter()
        for texts, vectors, metas in payloads:
            store.add_embeddings(texts, vectors, metas)
        seconds = time.perf_counter() - start
    finally:
        if store._engine is not None:
            store._engine.dispose()
    return Timed(sum(len(p[0]) for p in payloads), seconds)


def count_peer_rows(engine: Engine) -> int:
    """Rows LangChain stored (a check that the peer really wrote them)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM langchain_pg_embedding")).scalar_one())


def write_transport(engine: Engine, docs: list[Doc]) -> Timed:
    """Diagnostic: the writer's transport alone, as the owner into an unindexed, unpartitioned table.

    Per document: stage the rows with binary COPY into a temp table and move them with ``INSERT ... SELECT``,
    as ``replace_document`` does, but with no HNSW, GIN or b-tree index, no tsvector and no RLS.
    """
    with engine.begin() as conn:
        conn.execute(text(_TRANSPORT))
        conn.execute(text("TRUNCATE scale_transport"))
    rows = [_transport_rows(doc) for doc in docs]
    start = time.perf_counter()
    for batch in rows:
        with engine.begin() as conn:
            copy_rows(conn, batch, target="scale_transport")
    return Timed(sum(len(b) for b in rows), time.perf_counter() - start)


def _transport_rows(doc: Doc) -> list[tuple[object, ...]]:
    doc_id, meta = uuid.uuid4(), Jsonb({"title": doc.doc.title, "source": doc.doc.source})
    return [
        (uuid.uuid4(), doc_id, doc.tenant, COLLECTION, d.index, d.heading_path, d.text, d.content_hash,
         d.token_count, d.page, d.anchor, meta, vector)
        for d, vector in zip(doc.drafts, doc.vectors, strict=True)
    ]  # fmt: skip
