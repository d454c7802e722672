"""The one set of error replies for a message that could not be answered, for every adapter to render."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.pipeline.message import InvalidMessage
from bot.pipeline.pipeline import Stopping

FAILED = "Sorry, something went wrong while answering. Please try again in a moment."
REGENERATE_FAILED = "Sorry, something went wrong while answering again. Please try again in a moment."
UNAVAILABLE = "the database is unavailable; try again shortly"
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)


@dataclass(frozen=True)
class ChatError:
    """Why a message got no answer: an HTTP-style status and the sentence the user is shown.

    422: the message itself cannot be answered (the text says why); 503: try again shortly (shutting
    down, or the database is down); 500: anything else (details only in the log).
    """

    status: int
    text: str

    @property
    def user_error(self) -> bool:
        """Whether the user can fix it (bad input), as opposed to a failure on Steward's side."""
        return self.status == 422


def chat_error(exc: BaseException) -> ChatError:
    """The error reply for an exception raised while answering."""
    if isinstance(exc, InvalidMessage):
        return ChatError(422, str(exc))
    if isinstance(exc, Stopping):
        return ChatError(503, str(exc))
    if isinstance(exc, DATABASE_DOWN):
        return ChatError(503, UNAVAILABLE)
    return ChatError(500, FAILED)
