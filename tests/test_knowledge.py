"""Re-index with deletion sync, collections and channel scopes, hybrid search, and the retrieval gate."""

from __future__ import annotations

import asyncio
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from agents.config import IngestSettings
from agents.ingestion.ingest import Ingestor
from agents.ingestion.reindex import Reindexer
from agents.retrieval.mmr import mmr
from agents.retrieval.store import Scope
from bot.container import Steward
from bot.pipeline.message import IncomingMessage
from tests.conftest import QA_FILE, cli_env, run_cli


def _sources(app: Steward, tenant: str) -> dict[str, int]:
    with app.database.tenant_connection(tenant) as conn:
        rows = conn.execute(
            text(
                "select d.source, count(c.id) from documents d left join chunks c"
                " on c.document_id = d.id group by d.source"
            )
        ).all()
    return {Path(r[0].split("!/")[-1]).name: r[1] for r in rows}


def test_reindex_updates_changed_removes_gone_and_is_idempotent(steward: Steward, tmp_path: Path) -> None:
    (tmp_path / "keep.md").write_text("# Keep\n\nThe printer is on floor 2.\n")
    (tmp_path / "change.md").write_text("# Change\n\nThe coffee machine is on floor 3.\n")
    (tmp_path / "gone.md").write_text("# Gone\n\nThe old wiki lives at wiki-old.\n")
    with zipfile.ZipFile(tmp_path / "pack.zip", "w") as zf:
        zf.writestr("a.md", "# A\n\nMember A stays.\n")
        zf.writestr("b.md", "# B\n\nMember B will be deleted.\n")
    steward.ingestor.ingest([tmp_path], "t-re", "docs")
    assert set(_sources(steward, "t-re")) == {"keep.md", "change.md", "gone.md", "a.md", "b.md"}

    (tmp_path / "change.md").write_text("# Change\n\nThe coffee machine moved to floor 4.\n")
    (tmp_path / "gone.md").unlink()
    with zipfile.ZipFile(tmp_path / "pack.zip", "w") as zf:
        zf.writestr("a.md", "# A\n\nMember A stays.\n")
    report = steward.reindexer.run("t-re")
    assert report.checked == 5
    assert [Path(p).name for p in report.ingest.updated] == ["change.md"]
    assert sorted(Path(p.split("!/")[-1]).name for p in report.removed) == ["b.md", "gone.md"]
    assert len(report.ingest.unchanged) == 2 and report.chunks_removed == 2
    assert set(_sources(steward, "t-re")) == {"keep.md", "change.md", "a.md"}
    with steward.database.tenant_connection("t-re") as conn:
        content = conn.execute(text("select content from chunks where content like '%coffee%'")).scalar_one()
    assert "floor 4" in content

    again = steward.reindexer.run("t-re")
    assert again.checked == 3 and len(again.ingest.unchanged) == 3
    assert not again.removed and not again.ingest.updated and again.ingest.chunks_written == 0
    assert "3 checked: 0 updated, 3 unchanged, 0 removed" in again.summary()


class _Page(BaseHTTPRequestHandler):
    body = b"<html><head><title>Status</title></head><body><h1 id='now'>Now</h1><p>All systems go.</p></body></html>"
    etag = '"v1"'
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        cls = type(self)
        if cls.status != 200:
            self.send_response(cls.status)
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == cls.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("ETag", cls.etag)
        self.send_header("Content-Length", str(len(cls.body)))
        self.end_headers()
        self.wfile.write(cls.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/status"
    server.shutdown()


def test_reindex_urls_with_etags_and_404_removal(steward: Steward, page_server: str) -> None:
    settings = IngestSettings(allow_hosts=["127.0.0.1"])
    ingestor = Ingestor(steward.database.tenant_connection, steward.embedder, settings)
    reindexer = Reindexer(ingestor, steward.database.tenant_connection, steward.database.engine.begin)
    assert ingestor.ingest([page_server], "t-url", "web").added == [page_server]
    with steward.database.tenant_connection("t-url") as conn:
        etag, anchor = conn.execute(
            text("select d.etag, c.anchor from documents d join chunks c on c.document_id = d.id")
        ).one()
    assert etag == '"v1"' and anchor == "now"

    assert reindexer.run("t-url").ingest.unchanged == [page_server]  # 304 Not Modified
    _Page.body, _Page.etag = _Page.body.replace(b"All systems go", b"Degraded performance"), '"v2"'
    assert reindexer.run("t-url").ingest.updated == [page_server]
    _Page.status = 404
    try:
        report = reindexer.run("t-url")
    finally:
        _Page.status = 200
    assert report.removed == [page_server] and _sources(steward, "t-url") == {}


@pytest.fixture(scope="module")
def scoped(steward: Steward, tmp_path_factory: pytest.TempPathFactory) -> Steward:
    for collection, body in (
        ("pets-cats", "Cats sleep about sixteen hours every single day."),
        ("pets-dogs", "Dogs need two long walks every single day."),
    ):
        folder = tmp_path_factory.mktemp(collection)
        (folder / f"{collection}.md").write_text(f"# {collection}\n\n## Care\n{body}\n")
        steward.ingestor.ingest([folder], "t-col", collection)
    return steward


def test_collections_list_and_channel_mapping(scoped: Steward) -> None:
    listed = {(c.name, c.documents, c.chunks) for c in scoped.collections.list("t-col")}
    assert listed == {("pets-cats", 1, 1), ("pets-dogs", 1, 1)}
    assert scoped.collections.channel_scope("t-col", "slack", "C1") == ()
    scoped.collections.map_channel("t-col", "slack", "C1", "pets-cats")
    assert scoped.collections.channel_scope("t-col", "slack", "C1") == ("pets-cats",)
    with pytest.raises(KeyError, match="no collection"):
        scoped.collections.map_channel("t-col", "slack", "C1", "nope")
    assert all(c.tenant == "t-col" for c in scoped.collections.list("t-col"))


@pytest.mark.slow
def test_a_mapped_channel_only_searches_its_collections(scoped: Steward) -> None:
    scoped.collections.map_channel("t-col", "slack", "C-cats", "pets-cats")

    def ask(channel: str) -> set[str]:
        message = IncomingMessage(
            platform="slack", tenant="t-col", channel=channel, user="U1", text="how often do dogs need walks?"
        )
        reply = asyncio.run(scoped.pipeline.handle(message))
        return {Path(c.source).name for c in reply.citations}

    assert "pets-dogs.md" not in ask("C-cats")
    assert "pets-dogs.md" in ask("C-unmapped")  # no mapping: every collection of the tenant


def test_hybrid_search_finds_exact_identifiers(steward: Steward, tmp_path: Path) -> None:
    """Codes mean nothing to an embedding model; the full-text side of hybrid search finds them."""
    codes = ["E4711", "E4712", "E5120", "E6003", "E7310", "E8004"]
    for n, code in enumerate(codes):
        (tmp_path / f"carrier-{n}.md").write_text(
            f"# Carrier error {code}\n\n## Meaning\nCarrier API error {code} means the shipment manifest was "
            f"rejected by carrier number {n}; retry after fixing the manifest fields.\n"
        )
    steward.ingestor.ingest([tmp_path], "t-hyb", "errors")
    for n, code in enumerate(codes):
        top = steward.agent.retrieve(f"what does {code} mean?", Scope("t-hyb")).documents[0]
        assert Path(top.metadata["source"]).name == f"carrier-{n}.md", code


def test_mmr_prefers_novel_passages() -> None:
    query = np.array([1.0, 0.0, 0.0])
    near_twins = np.array([[0.99, 0.14, 0.0], [0.99, 0.14, 0.0], [0.9, 0.0, 0.436]])
    near_twins /= np.linalg.norm(near_twins, axis=1, keepdims=True)
    assert mmr(query, near_twins, 2, 1.0) == [0, 1]  # pure relevance keeps the duplicate
    assert mmr(query, near_twins, 2, 0.5) == [0, 2]  # diversity picks the different passage


def test_retrieval_recall_gate_on_the_handbook(handbook: Steward, settings) -> None:
    """CI gate: recall@5 on the shipped handbook QA set must stay at or above 0.9."""
    result = run_cli(
        "eval",
        "retrieval",
        "--qa",
        str(QA_FILE),
        "--k",
        "1,5,10",
        "--collection",
        "handbook",
        env=cli_env(settings.core.data_dir),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["questions"] >= 40
    assert report["recall"]["5"] >= 0.9, report
    assert 0 < report["mrr"] <= 1


def test_eval_rejects_a_malformed_qa_file(settings, tmp_path: Path) -> None:
    bad = tmp_path / "qa.jsonl"
    bad.write_text('{"question": "ok?", "expected_source": "a.md"}\n{"question": "no source"}\n')
    result = run_cli("eval", "retrieval", "--qa", str(bad), env=cli_env(settings.core.data_dir))
    assert result.returncode == 2
    assert 'line 2: needs a non-empty "expected_source" string' in result.stderr
