"""The general-capability set: everyday prompts with accepted answers, bundled with the package.

It guards against an adapter that learns the handbook but forgets the rest (a DPO+SFT run on this CPU
answered the handbook question but broke "What is the capital of France?"). An answer is correct when it
contains one of the accepted answers as whole words.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from agents.eval.items import GeneralItem

BUNDLED = "general.jsonl"


def _parse(text: str) -> list[GeneralItem]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        accepted = tuple(row.get("accepted") or ())
        if not row.get("prompt") or not accepted:
            raise ValueError(f"general set line {number}: needs a prompt and a non-empty accepted list")
        items.append(GeneralItem(row["prompt"], accepted, row.get("kind", "general")))
    return items


def load_general_items(path: Path | None = None) -> list[GeneralItem]:
    """The prompts of ``path``, or of the bundled ``agents/eval/data/general.jsonl``."""
    if path is not None:
        return _parse(path.read_text(encoding="utf-8"))
    return _parse(resources.files("agents.eval").joinpath("data").joinpath(BUNDLED).read_text(encoding="utf-8"))
