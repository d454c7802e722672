"""Refusals: a source that cannot be ingested, with a one-line reason for the user."""

from __future__ import annotations


class Refused(Exception):  # noqa: N818 - a refusal with a reason, not a programming error
    """Something was refused; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SkipFile(Refused):
    """The file cannot be ingested."""


class ArchiveRefused(Refused):
    """The whole archive is refused."""


class FetchRefused(Refused):
    """The URL was not fetched, or its response not accepted."""
