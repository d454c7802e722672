"""Precision in logs: platform ids and loopback addresses survive the log scrubber; real PII does not."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.logs import configure_logging, get_logger, install_log_scrubber
from governance.pii import PIISettings, RedactingProcessor, Redactor, make_redactor
from governance.pii.card_recognizer import luhn_valid

# 19-digit Discord ids (snowflakes) that pass the card checksum, as one in ten real ids does.
SNOWFLAKES = [str(n) for n in range(1_234_567_890_123_456_700, 1_234_567_890_123_456_800) if luhn_valid(str(n))]


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return make_redactor(PIISettings())


def test_the_snowflakes_are_luhn_valid_card_lengths() -> None:
    assert len(SNOWFLAKES) >= 3 and all(len(s) == 19 and luhn_valid(s) for s in SNOWFLAKES)


@pytest.mark.parametrize(
    "value",
    [
        *SNOWFLAKES[:3],
        f"discord:{SNOWFLAKES[0]}",
        f"<@{SNOWFLAKES[1]}>",
        "slack:U0123ABCD",
        "C024BE91L",
        "T12345678",
        "W0123ABCDEF",
        "127.0.0.1",
        "127.0.0.1:8000",
        "http://127.0.0.1:8080/api/v1/ask",
        "::1",
        "0.0.0.0",
        "1712345678.123456",
    ],
)
def test_platform_ids_and_loopback_are_never_scrubbed(redactor: Redactor, value: str) -> None:
    assert redactor.scrub(value) == value
    assert redactor.redact(value).text == value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("card 4111 1111 1111 1111 please", "CREDIT_CARD"),
        ("my card is 4111111111111111", "CREDIT_CARD"),
        (f"visa number {SNOWFLAKES[2]} exp 11/35", "CREDIT_CARD"),
        ("update my card on file to 060484073782, exp 11/35", "CREDIT_CARD"),
        ("client at 10.1.2.3 failed", "IP_ADDRESS"),
        ("mail jo.lee@example.com", "EMAIL_ADDRESS"),
        ("SSN 078-05-1120 on file", "US_SSN"),
    ],
)
def test_real_pii_is_still_scrubbed(redactor: Redactor, text: str, kind: str) -> None:
    assert f"<{kind}>" in redactor.scrub(text)


def test_the_structlog_processor_keeps_ids_and_integers(redactor: Redactor) -> None:
    event = {
        "tenant": SNOWFLAKES[0],
        "actor": f"discord:{SNOWFLAKES[1]}",
        "guild": int(SNOWFLAKES[2]),
        "at": 1_712_345_678,
        "peer": "127.0.0.1",
        "note": "card 4111 1111 1111 1111",
        "big": 4111111111111111,
    }
    scrubbed = RedactingProcessor(redactor)(None, "info", dict(event))
    assert {k: scrubbed[k] for k in ("tenant", "actor", "guild", "at", "peer")} == {
        k: event[k] for k in ("tenant", "actor", "guild", "at", "peer")
    }
    assert scrubbed["note"] == "card <CREDIT_CARD>" and scrubbed["big"] == "<CREDIT_CARD>"


def test_a_log_file_written_through_the_installed_scrubber(redactor: Redactor, tmp_path: Path) -> None:
    log_file = tmp_path / "steward.log"
    configure_logging("INFO", "json", log_file)
    try:
        install_log_scrubber(RedactingProcessor(redactor))
        get_logger("test").info(
            "pipeline.answered", tenant=SNOWFLAKES[0], actor=f"discord:{SNOWFLAKES[1]}", peer="127.0.0.1",
            text="call me on +44 20 7946 0958 or write to jo.lee@example.com",
        )  # fmt: skip
        logging.getLogger().handlers[0].flush()
    finally:
        configure_logging("WARNING", "json")
    line = json.loads(log_file.read_text().splitlines()[-1])
    assert line["tenant"] == SNOWFLAKES[0] and line["actor"] == f"discord:{SNOWFLAKES[1]}"
    assert line["peer"] == "127.0.0.1"
    assert line["text"] == "call me on <PHONE_NUMBER> or write to <EMAIL_ADDRESS>"
