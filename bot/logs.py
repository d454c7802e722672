"""structlog configuration: JSON off a TTY, readable on one, with request id and actor from contextvars."""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import structlog

_QUIET_LIBRARIES = (
    "httpx",
    "urllib3",
    "sentence_transformers",
    "transformers",
    "alembic",
    "filelock",
    "presidio-analyzer",
    "presidio-anonymizer",
)


def _renderer(log_format: str, stream: TextIO) -> Any:
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    if log_format == "console" or (log_format == "auto" and is_tty):
        return structlog.dev.ConsoleRenderer(colors=is_tty)
    return structlog.processors.JSONRenderer()


def configure_logging(level: str = "INFO", log_format: str = "auto", log_file: Path | None = None) -> None:
    """Route structlog and stdlib logging through one handler, JSON or console, to stderr or a file."""
    stream: TextIO
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        stream = log_file.open("a", encoding="utf-8")  # noqa: SIM115 - lives for the whole process
    else:
        stream = sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _renderer(log_format, stream),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger bound to ``name``."""
    return structlog.stdlib.get_logger(name)


@contextmanager
def request_context(actor: str, request_id: str | None = None, **extra: Any) -> Iterator[str]:
    """Bind a request id and the actor to every log line emitted inside the block."""
    rid = request_id or uuid.uuid4().hex[:16]
    tokens = structlog.contextvars.bind_contextvars(request_id=rid, actor=actor, **extra)
    try:
        yield rid
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


class _Scrubbing:
    """Runs a scrubbing processor, passing through records it logs itself (no recursion)."""

    def __init__(self, scrubber: Any) -> None:
        self._scrubber = scrubber
        self._busy = threading.local()

    def __call__(self, logger: Any, method_name: str, event_dict: Any) -> Any:
        if getattr(self._busy, "on", False):
            return event_dict
        self._busy.on = True
        try:
            return self._scrubber(logger, method_name, event_dict)
        finally:
            self._busy.on = False


def install_log_scrubber(scrubber: Any) -> None:
    """Run ``scrubber`` (a structlog processor that redacts PII) on every record, just before rendering.

    Logging is configured before the app (and its redactor) exists, so the composition root adds it.
    """
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter
        if isinstance(formatter, structlog.stdlib.ProcessorFormatter):
            chain = [p for p in formatter.processors if not isinstance(p, _Scrubbing)]
            formatter.processors = [*chain[:-1], _Scrubbing(scrubber), chain[-1]]
