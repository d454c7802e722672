"""Plain records the learning loop works on: feedback in; preference pairs and SFT examples out.

The caller reads them from the database and guarantees that every text is already PII-redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SOURCE_REGENERATE = "regenerate"
SOURCE_NEAR_DUPLICATE = "near_duplicate"
SOURCE_CORRECTION = "correction"
SOURCE_THUMBS_UP = "thumbs_up"
# When the same pair comes from several sources, the first of these names it.
SOURCE_PRIORITY = (SOURCE_CORRECTION, SOURCE_REGENERATE, SOURCE_NEAR_DUPLICATE, SOURCE_THUMBS_UP)


@dataclass(frozen=True)
class FeedbackRecord:
    """One user's vote on one answer (``rating`` +1 for 👍, -1 for 👎), with what was asked and answered.

    ``regenerated_from`` is the id of the answer this one replaced (the "regenerate" action), if any.
    ``facts`` are the numbered facts the model was shown, when known; the export then rebuilds the
    model's real prompt (``agents.prompts.ANSWER_PROMPT``) instead of the bare question.
    """

    answer_id: str
    thread_key: str
    question: str
    answer: str
    rating: int
    user: str
    created_at: datetime
    model: str
    adapter: str | None
    chunk_ids: tuple[str, ...]
    regenerated_from: str | None = None
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Correction:
    """An admin's corrected answer (the prefix already removed) to a question asked in a thread."""

    thread_key: str
    question: str
    answer_text: str
    created_at: datetime | None = None


@dataclass(frozen=True)
class PreferencePair:
    """``chosen`` is preferred over ``rejected`` as the answer to ``prompt`` (shown with ``facts``)."""

    prompt: str
    chosen: str
    rejected: str
    source: str
    chosen_id: str | None
    rejected_id: str | None
    thread_key: str | None
    facts: tuple[str, ...] = ()
    created_at: datetime | None = None


@dataclass(frozen=True)
class SFTExample:
    """A good answer (``completion``) to ``prompt`` (shown with ``facts``), to imitate."""

    prompt: str
    completion: str
    source: str
    answer_id: str | None
    thread_key: str | None
    facts: tuple[str, ...] = ()
    created_at: datetime | None = None


@dataclass(frozen=True)
class PreferenceSet:
    """Everything built from one batch of feedback: what was filtered out (name → count) and its date range."""

    pairs: tuple[PreferencePair, ...]
    sft: tuple[SFTExample, ...]
    filtered: dict[str, int]
    settings: dict[str, object]
    first_feedback: datetime | None = None
    last_feedback: datetime | None = None
