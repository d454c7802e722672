"""Ingestion against the real database: skip unchanged, replace changed, skip junk, never half-write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.container import Steward
from tests.conftest import HANDBOOK


def _rows(app: Steward, sql: str, **params: object) -> list[tuple]:
    with app.database.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params).all()]


def _count(app: Steward, tenant: str, collection: str) -> tuple[int, int]:
    docs = _rows(app, "select count(*) from documents where tenant_id=:t and collection=:c", t=tenant, c=collection)
    chunks = _rows(app, "select count(*) from chunks where tenant_id=:t and collection=:c", t=tenant, c=collection)
    return docs[0][0], chunks[0][0]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(HANDBOOK, folder / "handbook")
    return folder


def test_ingest_is_incremental_and_atomic_per_file(steward: Steward, workdir: Path) -> None:
    first = steward.ingestor.ingest([workdir], "t-incr", "docs")
    assert len(first.added) == 20 and not first.skipped and not first.failed
    docs, chunks = _count(steward, "t-incr", "docs")
    assert docs == 20 and chunks == first.chunks_written > 20

    again = steward.ingestor.ingest([workdir], "t-incr", "docs")
    assert len(again.unchanged) == 20 and again.chunks_written == 0

    target = workdir / "handbook" / "travel-policy.md"
    source = str(target.resolve())
    old_ids = _rows(
        steward,
        "select c.id from chunks c join documents d on d.id=c.document_id where d.source=:s and d.tenant_id='t-incr'",
        s=source,
    )
    target.write_text("# Travel Policy\n\n## Trains\nFirst class rail is allowed on journeys over 4 hours.\n")
    changed = steward.ingestor.ingest([workdir], "t-incr", "docs")
    assert changed.updated == [source] and len(changed.unchanged) == 19
    rows = _rows(
        steward,
        "select c.id, c.content, c.heading_path from chunks c join documents d"
        " on d.id=c.document_id where d.source=:s and d.tenant_id='t-incr'",
        s=source,
    )
    assert len(rows) == 1 and "First class rail" in rows[0][1] and rows[0][2] == "Travel Policy > Trains"
    assert not {r[0] for r in rows} & {r[0] for r in old_ids}


def test_chunks_carry_citation_metadata(handbook: Steward) -> None:
    rows = _rows(
        handbook,
        "select d.source, d.title, c.heading_path, c.chunk_index, c.content_hash, d.content_hash"
        " from chunks c join documents d on d.id = c.document_id where d.tenant_id='acme'"
        " and d.source like '%/on-call.md' order by c.chunk_index",
    )
    assert rows and rows[0][1] == "On-Call"
    assert [r[3] for r in rows] == list(range(len(rows)))
    assert all(r[2].startswith("On-Call") for r in rows)
    assert all(len(r[4]) == 64 and len(r[5]) == 64 for r in rows)


def test_bad_files_are_skipped_with_reasons(steward: Steward, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("The cafeteria opens at 08:00 on weekdays.\n")
    (tmp_path / "empty.md").write_text("   \n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00\x01\x02def")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait costs 2 EUR".encode("latin-1"))
    report = steward.ingestor.ingest([tmp_path], "t-bad", "docs")
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert [Path(p).name for p in report.added] == ["good.txt"]
    assert reasons == {
        "empty.md": "empty file",
        "image.png": "unsupported file type .png",
        "binary.txt": "binary file",
        "latin1.txt": "not valid UTF-8 text (byte 3)",
    }
    assert _count(steward, "t-bad", "docs") == (1, 1)


def test_missing_path_raises_before_anything_is_written(steward: Steward, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nSomething.\n")
    with pytest.raises(FileNotFoundError):
        steward.ingestor.ingest([tmp_path, tmp_path / "nope"], "t-missing", "docs")
    assert _count(steward, "t-missing", "docs") == (0, 0)


def test_a_file_that_fails_halfway_leaves_no_partial_rows(steward: Steward, tmp_path: Path) -> None:
    """A database failure in the middle of a file's chunks (a trigger that rejects one chunk) rolls back
    that file entirely, keeps its previous version, and other files still succeed."""
    doc = tmp_path / "policy.md"
    doc.write_text("# Policy\n\n## One\nThe first rule.\n\n## Two\nThe second rule.\n")
    (tmp_path / "other.md").write_text("# Other\n\nUnrelated but fine.\n")
    assert len(steward.ingestor.ingest([tmp_path], "t-fail", "docs").added) == 2
    before = _rows(
        steward,
        "select c.content from chunks c join documents d on d.id=c.document_id"
        " where d.source=:s order by c.chunk_index",
        s=str(doc.resolve()),
    )

    with steward.database.engine.begin() as conn:
        conn.execute(
            text(
                "create or replace function reject_poison() returns trigger language plpgsql as $$"
                " begin if new.content like '%POISON%' then raise exception 'disk full (simulated)'; end if;"
                " return new; end $$"
            )
        )
        conn.execute(
            text("create trigger reject_poison before insert on chunks for each row execute function reject_poison()")
        )
    try:
        doc.write_text("# Policy\n\n## One\nThe first rule, revised.\n\n## Two\nPOISON here.\n\n## Three\nMore.\n")
        (tmp_path / "third.md").write_text("# Third\n\nAdded in the same run.\n")
        report = steward.ingestor.ingest([tmp_path], "t-fail", "docs")
    finally:
        with steward.database.engine.begin() as conn:
            conn.execute(text("drop trigger reject_poison on chunks"))
    assert [Path(p).name for p, _ in report.failed] == ["policy.md"]
    assert "disk full (simulated)" in report.failed[0][1]
    assert [Path(p).name for p in report.added] == ["third.md"]
    after = _rows(
        steward,
        "select c.content from chunks c join documents d on d.id=c.document_id"
        " where d.source=:s order by c.chunk_index",
        s=str(doc.resolve()),
    )
    assert after == before  # the old version is intact: no partial rows, no half-replaced document
    hashes = _rows(steward, "select content_hash, chunk_count from documents where source=:s", s=str(doc.resolve()))
    assert hashes[0][1] == len(before)
    retry = steward.ingestor.ingest([tmp_path], "t-fail", "docs")
    assert [Path(p).name for p in retry.updated] == ["policy.md"]  # not mistaken for unchanged


def test_tenant_search_uses_only_its_own_partitions_hnsw_index(steward: Steward) -> None:
    """At realistic sizes the planner walks the tenant's own HNSW graph, under RLS, pruning the others."""
    with steward.database.engine.begin() as conn:
        partition = conn.execute(text("select steward_ensure_tenant('t-plan')")).scalar_one()
        doc = conn.execute(
            text(
                "insert into documents (id, tenant_id, collection, source, title, content_hash, size_bytes,"
                " chunk_count, created_at, updated_at) values (gen_random_uuid(), 't-plan', 'c', 's', 't', 'h', 1,"
                " 3000, now(), now()) returning id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "insert into chunks (id, document_id, tenant_id, collection, chunk_index, heading_path, content,"
                " content_hash, token_count, metadata, embedding) select gen_random_uuid(), :d, 't-plan', 'c', g, '',"
                " 'x', 'h' || g, 1, '{}', (select array_agg(random())::vector(384) from generate_series(1, 384)"
                " where g > 0) from generate_series(1, 3000) g"
            ),
            {"d": doc},
        )
        conn.execute(text("analyze chunks"))
    vector = "[" + ",".join(["0.05"] * 384) + "]"
    with steward.database.tenant_connection("t-plan") as conn:
        rows = conn.execute(
            text(f"explain select id from chunks where tenant_id = 't-plan' order by embedding <=> '{vector}' limit 5")
        ).all()
    plan = "\n".join(r[0] for r in rows)
    assert f"Index Scan using {partition}_embedding_idx on {partition}" in plan, plan
    assert plan.count("Scan") == 1  # every other tenant's partition was pruned
