"""The scale section of ``docs/benchmarks.md``: fixed text linking ``docs/benchmarks-scale.md``.

``bench.report`` emits it whenever it regenerates ``benchmarks.md``, and the scale run puts it into an
older ``benchmarks.md`` that lacks it. It holds no figures, so neither command has to merge the other's.
"""

from __future__ import annotations

from pathlib import Path

from bench.dataset import DOC_FILE

SCALE_DOC = DOC_FILE.with_name("benchmarks-scale.md")
SCALE_COMMAND = ".venv/bin/python -m bench --scale"
HEADING = "## Scale: 10k and 100k chunks"
SECTION = f"""{HEADING}

The write and read paths at 10,000 and 100,000 synthetic chunks over 50 tenants, each measured against a peer in
the same run: our writer against LangChain's `PGVector.add_embeddings` on the same rows, our per-tenant
partitions under RLS against one flat table with one HNSW index and a tenant filter (and against an exact scan
for recall), hybrid against vector-only search; plus where a real ingest of the handbook spends its time and
what a second torch thread buys. `make bench` runs it after the handbook benchmark above; `{SCALE_COMMAND}`
runs it alone, and `--no-scale` (or `--quick`) skips it. Its results, its runtime, the machine and what they
show are in [benchmarks-scale.md](benchmarks-scale.md), which those commands rewrite.
"""


def ensure_section(path: Path = DOC_FILE) -> bool:
    """Put the current scale section into ``path`` (appended, or replacing an older one); True when changed."""
    current = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    if HEADING in current:
        before, _, rest = current.partition(HEADING)
        after = rest[rest.index("\n## ") + 1 :] if "\n## " in rest else ""
        updated = before + SECTION + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + SECTION
    if updated == current:
        return False
    path.write_text(updated, encoding="utf-8")
    return True
