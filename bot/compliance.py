"""Audit exports, shared by ``steward audit export`` and the chat platforms' audit-export commands."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

from bot.db.database import Database
from governance.audit.events import AuditExported
from governance.audit.export import Manifest, export_events, manifest_path
from governance.audit.log import AuditLog
from governance.audit.reader import EventFilter, read_events


def export_audit(
    database: Database,
    audit: AuditLog,
    key: bytes,
    where: EventFilter,
    out: Path,
    fmt: Literal["jsonl", "csv"],
    actor: str,
) -> Manifest:
    """Write the events ``where`` selects, and a signed manifest; record the export in each tenant's chain."""
    filters = {
        "tenant": where.tenant,
        "since": where.since.isoformat() if where.since else None,
        "until": where.until.isoformat() if where.until else None,
    }
    with database.engine.begin() as conn:
        manifest = export_events(read_events(conn, where), out, fmt, key, filters)
    for tenant in sorted(manifest.heads) or ([where.tenant] if where.tenant else []):
        event = AuditExported(
            tenant=tenant,
            actor=actor,
            format=fmt,
            since=filters["since"] or "",
            until=filters["until"] or "",
            count=manifest.count,
            sha256=manifest.sha256,
        )
        audit.record(event)
    return manifest


def export_files(path: Path) -> list[Path]:
    """An export file and its signed manifest (written beside it), those that exist."""
    return [p for p in (path, manifest_path(path)) if p.exists()]


def remove_export(path: Path) -> None:
    """Delete a delivered export: each export is written to a folder of its own under ``<data dir>/exports``."""
    shutil.rmtree(path.parent, ignore_errors=True)
