"""Writing preference data as TRL-ready JSONL (DPO, SFT) or CSV, with a datasheet beside it.

Both JSONL formats are *conversational*: the prompt is the chat the local model really sees (the
system prompt and the numbered facts of ``agents.prompts.ANSWER_PROMPT`` when the facts are known, else
the bare question as one user message), so a tuned adapter learns on the distribution it serves.

* DPO: ``{"prompt": [messages], "chosen": [assistant message], "rejected": [assistant message]}``,
  accepted as-is by TRL 1.16's ``DPOTrainer``;
* SFT: ``{"messages": [..., assistant message]}``, accepted by ``SFTTrainer`` (``train_sft`` turns it into
  prompt/completion so the loss covers the answer only).

The caller guarantees every text is already PII-redacted.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from agents.prompts import ANSWER_PROMPT, format_facts
from agents.tuning.datasheet import build_datasheet, write_datasheet
from agents.tuning.jsonl import read_jsonl, write_jsonl
from agents.tuning.records import PreferencePair, PreferenceSet, SFTExample

Message = dict[str, str]
ExportFormat = Literal["dpo", "sft", "csv"]
_ROLES = {"human": "user", "ai": "assistant", "system": "system"}
__all__ = [
    "dpo_rows",
    "export",
    "prompt_messages",
    "read_jsonl",
    "sft_rows",
    "write_csv",
    "write_jsonl",
]
CSV_COLUMNS = ("source", "prompt", "chosen", "rejected", "chosen_id", "rejected_id", "thread_key", "created_at")


def prompt_messages(question: str, facts: Iterable[str] = ()) -> list[Message]:
    """The chat the local model is shown for ``question``: ANSWER_PROMPT with the facts, or the bare question."""
    facts = list(facts)
    if not facts:
        return [{"role": "user", "content": question}]
    messages = ANSWER_PROMPT.format_messages(facts=format_facts(list(enumerate(facts, start=1))), question=question)
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


def _assistant(text: str) -> list[Message]:
    return [{"role": "assistant", "content": text}]


def dpo_rows(pairs: Iterable[PreferencePair]) -> list[dict[str, Any]]:
    """TRL conversational preference rows: ``prompt``, ``chosen``, ``rejected``."""
    return [
        {
            "prompt": prompt_messages(p.prompt, p.facts),
            "chosen": _assistant(p.chosen),
            "rejected": _assistant(p.rejected),
        }
        for p in pairs
    ]


def sft_rows(examples: Iterable[SFTExample]) -> list[dict[str, Any]]:
    """TRL conversational language-modelling rows: ``messages`` ending with the answer to imitate."""
    return [{"messages": prompt_messages(e.prompt, e.facts) + _assistant(e.completion)} for e in examples]


def write_csv(pairs: Iterable[PreferencePair], path: Path) -> int:
    """One pair a row, for people to read in a spreadsheet; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for p in pairs:
            created = p.created_at.isoformat() if p.created_at else ""
            writer.writerow(
                [p.source, p.prompt, p.chosen, p.rejected, p.chosen_id, p.rejected_id, p.thread_key, created]
            )
            count += 1
    return count


def export(
    data: PreferenceSet,
    fmt: ExportFormat,
    out: Path,
    notes: dict[str, Any] | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """Write ``data`` to ``out`` in ``fmt`` and its datasheet beside it (``<out>.datasheet.json`` and ``.md``).

    ``notes`` are recorded in the datasheet as filters applied by the caller (e.g. the PII redaction);
    ``version`` names the dataset snapshot.
    Returns the datasheet.
    """
    if fmt == "dpo":
        rows = write_jsonl(dpo_rows(data.pairs), out)
    elif fmt == "sft":
        rows = write_jsonl(sft_rows(data.sft), out)
    elif fmt == "csv":
        rows = write_csv(data.pairs, out)
    else:
        raise ValueError(f"unknown export format {fmt!r}: use dpo, sft or csv")
    sheet = build_datasheet(data, fmt=fmt, rows=rows, notes=notes, version=version)
    write_datasheet(sheet, out.with_name(out.name + ".datasheet"))
    return sheet
