"""The chat core's one set of error replies: what each failure tells the user, on every platform."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from bot.chat.errors import FAILED, UNAVAILABLE, ChatError, chat_error
from bot.pipeline.message import InvalidMessage
from bot.pipeline.pipeline import Stopping


def test_bad_input_is_the_users_to_fix_and_says_why() -> None:
    error = chat_error(InvalidMessage("the question is empty: type a question"))
    assert error == ChatError(422, "the question is empty: type a question") and error.user_error


def test_shutdown_and_a_database_outage_ask_to_try_again_shortly() -> None:
    assert chat_error(Stopping()) == ChatError(503, str(Stopping()))
    outage = chat_error(OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused")))
    assert outage == ChatError(503, UNAVAILABLE) and not outage.user_error


def test_anything_else_is_one_apology_without_details() -> None:
    error = chat_error(RuntimeError("token=secret at /srv/steward/model.py:42"))
    assert error == ChatError(500, FAILED) and "secret" not in error.text and not error.user_error
