"""What a failed hosted-model request means: retry it or not, count it against the breaker or not."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import openai
from langchain_core.exceptions import ModelError


@dataclass(frozen=True)
class Verdict:
    """What one failed request means: whether to retry it, whether it counts against the breaker, and why."""

    retry: bool
    counts: bool
    reason: str
    wait_s: float | None = None  # the server's Retry-After, when it sent one


def _seconds(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        try:
            return parsedate_to_datetime(value).timestamp() - time.time()  # Retry-After may be an HTTP date
        except (TypeError, ValueError):
            return None


def _retry_after(exc: BaseException) -> float | None:
    """The wait a 429 asks for, from ``retry-after-ms`` (OpenAI) or ``Retry-After``; None when absent."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        if (value := headers.get(name)) is not None and (seconds := _seconds(value)) is not None:
            return max(0.0, seconds * scale)
    return None


def _status_verdict(exc: openai.APIStatusError) -> Verdict:
    status = exc.status_code
    if status == 429:
        return Verdict(True, True, "rate limited (HTTP 429)", _retry_after(exc))
    if status >= 500:
        return Verdict(True, True, f"server error (HTTP {status})")
    return Verdict(False, False, f"request rejected (HTTP {status}): {exc.message}")


def classify(exc: BaseException) -> Verdict:
    """Sort a failed request into retryable (429, 5xx, timeout, connection) or final (other 4xx, malformed)."""
    if isinstance(exc, openai.APIStatusError):
        return _status_verdict(exc)
    if isinstance(exc, json.JSONDecodeError | openai.APIResponseValidationError):
        return Verdict(False, True, "hosted model returned malformed JSON")
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return Verdict(True, True, "request timed out")
    if isinstance(exc, openai.APIConnectionError | ConnectionError):
        return Verdict(True, True, "could not connect to the hosted model")
    if isinstance(exc, ModelError):
        return Verdict(exc.is_retryable, exc.is_retryable, f"{type(exc).__name__}: {exc}", _retry_after(exc))
    return Verdict(False, True, f"unexpected {type(exc).__name__}: {exc}")
