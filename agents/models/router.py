"""Model routing: which model to try, in which order, and why. A pure function of plain values.

Data residency is a flag the pipeline passes in (``restricted``: the input contained PII, or the tenant
or channel is marked restricted); a restricted request is never planned onto the hosted model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Target = Literal["local", "hosted"]


@dataclass(frozen=True)
class Attempt:
    """Try ``target``; ``reason`` is recorded with the answer if this attempt produces it."""

    target: Target
    reason: str


@dataclass(frozen=True)
class Decline:
    """No model may answer this request; ``message`` tells the user why."""

    message: str
    reason: str


@dataclass(frozen=True)
class RouteInput:
    """What the router decides on."""

    route: str
    restricted: bool
    hosted_available: bool
    complex_query: bool = False
    too_long: bool = False


def is_complex(question: str, patterns: list[str]) -> bool:
    """True when any configured pattern matches the question."""
    return any(re.search(p, question, flags=re.IGNORECASE) for p in patterns)


def _local_only_reason(r: RouteInput) -> str:
    return "restricted: kept local" if r.restricted else "hosted model not configured"


def _hosted_only(r: RouteInput) -> list[Attempt] | Decline:
    if r.hosted_available and not r.restricted:
        return [Attempt("hosted", "hosted-only")]
    if r.restricted:
        return Decline(
            "I can't answer this one: it must stay on local models, and only a hosted model is enabled.",
            "declined: restricted and route is hosted-only",
        )
    return Decline("I can't answer right now: no hosted model is configured.", "declined: hosted not configured")


def _local_first(r: RouteInput, hosted_ok: bool) -> list[Attempt]:
    if hosted_ok and (r.too_long or r.complex_query):
        why = "context too long for the local model" if r.too_long else "complex query"
        return [Attempt("hosted", f"escalated: {why}"), Attempt("local", "fallback: hosted failed")]
    if hosted_ok:
        return [Attempt("local", "local-first"), Attempt("hosted", "escalated: local failed or was not grounded")]
    return [Attempt("local", f"local-first ({_local_only_reason(r)})")]


def plan(r: RouteInput) -> list[Attempt] | Decline:
    """The ordered attempts for a request, or a ``Decline``."""
    hosted_ok = r.hosted_available and not r.restricted
    if r.route == "hosted-only":
        return _hosted_only(r)
    if r.route == "local-only":
        return [Attempt("local", "local-only")]
    if r.route == "hosted-first":
        if hosted_ok:
            return [Attempt("hosted", "hosted-first"), Attempt("local", "fallback: hosted failed")]
        return [Attempt("local", f"hosted-first ({_local_only_reason(r)})")]
    return _local_first(r, hosted_ok)
