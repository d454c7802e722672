"""Recognising usable model directories."""

from __future__ import annotations

from pathlib import Path


def is_model_dir(path: Path) -> bool:
    """True when ``path`` holds a config and weights that transformers can load."""
    if not (path / "config.json").is_file():
        return False
    return any(path.glob("*.safetensors")) or any(path.glob("*.bin"))
