"""A client for an OpenAI-compatible ``/v1/moderations`` endpoint (off unless a URL is configured)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from governance.moderation.policy import LayerPolicy
from governance.moderation.verdict import Action, Category, Surface, Verdict
from governance.text import normalise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HostedResult:
    """The parts of the first ``results`` entry the verdict needs."""

    flagged: bool
    categories: tuple[str, ...]
    score: float


class HostedModerationClient:
    """POSTs ``{"model", "input"}`` and reads ``results[0]``'s ``flagged``, ``categories`` and scores.

    On an HTTP error, a timeout or a malformed reply it returns ``on_error``: ``allow`` by default
    (fail open, with a logged warning). This layer is an optional extra: the offline layers have
    already run, and failing closed would turn any outage or slow network at the provider into an
    outage of the assistant. Set ``block`` (or ``escalate``) where hosted checks are mandatory.

    The default HTTP client ignores proxy environment variables (governance reads no environment);
    pass ``client`` to use a proxy or custom certificates.
    """

    name = "hosted"

    def __init__(
        self,
        url: str,
        policy: LayerPolicy,
        *,
        model: str = "omni-moderation-latest",
        api_key: str | None = None,
        timeout_s: float = 3.0,
        on_error: Action = Action.ALLOW,
        client: httpx.Client | None = None,
    ) -> None:
        self._url = url
        self._policy = policy
        self._model = model
        self._on_error = on_error
        self._timeout = httpx.Timeout(timeout_s)
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._owns_client = client is None
        self._client = client or httpx.Client(trust_env=False)

    def check(self, text: str, surface: Surface) -> Verdict:
        """Ask the endpoint about ``normalise(text)``; flagged text gets the surface's action."""
        action = self._policy.action_for(surface)
        if action is None:
            return Verdict.allow(self.name)
        try:
            result = self.moderate(normalise(text))
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            return self._failed(exc)
        if not result.flagged:
            return Verdict.allow(self.name)
        names = ", ".join(result.categories) or "unspecified"
        reason = f"The moderation service flagged this ({names})."
        return Verdict(action, Category.HOSTED, round(result.score, 4), reason, self.name)

    def moderate(self, text: str) -> HostedResult:
        """One call; raises ``httpx.HTTPError`` or ``ValueError``/``KeyError`` on failure or a bad reply."""
        response = self._client.post(
            self._url, json={"model": self._model, "input": text}, headers=self._headers, timeout=self._timeout
        )
        response.raise_for_status()
        return _parse(response.json())

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_client:
            self._client.close()

    def _failed(self, exc: Exception) -> Verdict:
        log.warning("hosted moderation failed (%s); verdict %s", type(exc).__name__, self._on_error.value)
        if self._on_error is Action.ALLOW:
            return Verdict.allow(self.name)
        reason = "The moderation service is unavailable, so this was held back."
        return Verdict(self._on_error, Category.HOSTED, 0.0, reason, self.name)


def _parse(body: Any) -> HostedResult:
    first = body["results"][0]
    flagged = first["flagged"]
    if not isinstance(flagged, bool):
        raise ValueError("`flagged` is not a boolean")
    categories = tuple(sorted(name for name, hit in (first.get("categories") or {}).items() if hit))
    scores = [float(value) for value in (first.get("category_scores") or {}).values()]
    return HostedResult(flagged, categories, max(scores, default=1.0 if flagged else 0.0))
