"""Benign prose for training the injection model (training time only).

S-Labs' benign class is short third-person questions, while its injections talk to the assistant
("your guidelines"). Trained on it alone, a model flags any second-person document ("your manager
approves your leave"). Ordinary prose from the installed environment fixes most of that: package
READMEs (long descriptions in the installed distributions' metadata), their licence files, and the
standard library's docstrings. Paragraphs about prompt injection itself are dropped, as are the
packages that ship injection corpora or detectors, so no attack text is labelled benign.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import re
import sys
import warnings
from collections.abc import Iterable, Iterator

_SKIP_PACKAGE = re.compile(r"guard|inject|jailbreak|forcefield|prism|rebuff|moderat", re.IGNORECASE)
_ABOUT_ATTACKS = re.compile(
    r"prompt.injection|jailbreak|ignore (all |any )?(previous|prior)|system prompt|red.team", re.IGNORECASE
)
_CODE_LINE = (" " * 4, "\t", ">>>", "...", "```", "..")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_PARAGRAPH = re.compile(r"\n\s*\n")
_FENCE = re.compile(r"```.*?```", re.DOTALL)
_UNSAFE_MODULES = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "ensurepip", "lib2to3"}


def benign_prose() -> list[str]:
    """Every usable paragraph from the three sources, de-duplicated and sorted (deterministic)."""
    return sorted(set(_clean_all(_package_texts())) | set(_clean_all(_licence_texts())) | set(_stdlib_texts()))


def clean_paragraph(paragraph: str) -> str | None:
    """A Markdown/RST paragraph without code, links or URLs (markup kept); ``None`` if unusable."""
    lines = [line for line in paragraph.splitlines() if not line.startswith(_CODE_LINE)]
    text = "\n".join(" ".join(_URL.sub("", _LINK.sub(r"\1", line)).split()) for line in lines).strip()
    if len(text.split()) < 4 or sum(ch.isalpha() for ch in text) < 0.5 * len(text) or _ABOUT_ATTACKS.search(text):
        return None
    return text


def _clean_all(texts: Iterable[str]) -> Iterator[str]:
    for body in texts:
        for paragraph in _PARAGRAPH.split(_FENCE.sub("", body)):
            cleaned = clean_paragraph(paragraph)
            if cleaned:
                yield cleaned


def _distributions() -> list[importlib.metadata.Distribution]:
    found = [d for d in importlib.metadata.distributions() if not _SKIP_PACKAGE.search(d.metadata["Name"] or "")]
    return sorted(found, key=lambda d: (d.metadata["Name"] or "").lower())


def _package_texts() -> Iterator[str]:
    for dist in _distributions():
        payload = dist.metadata.get_payload()  # type: ignore[attr-defined]
        if isinstance(payload, str):
            yield payload


def _licence_texts() -> Iterator[str]:
    for dist in _distributions():
        for file in dist.files or []:
            name = file.name.lower()
            if any(word in name for word in ("licen", "copying", "notice")):
                try:
                    yield file.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue


def _stdlib_texts() -> Iterator[str]:
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in _UNSAFE_MODULES:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except Exception:  # noqa: S112 - platform-specific modules simply do not import here
            continue
        for doc in _docstrings(module):
            yield from _clean_all([inspect.cleandoc(doc)])


def _docstrings(module: object) -> Iterator[str]:
    if isinstance(module.__doc__, str):
        yield module.__doc__
    for key, value in sorted(vars(module).items()):
        if key.startswith("_") or not (inspect.isclass(value) or inspect.isroutine(value)):
            continue
        doc = getattr(value, "__doc__", None)
        if isinstance(doc, str):
            yield doc
