"""The platform-neutral chat commands, feedback and event ledger that the Slack and Discord adapters call."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import text

from bot.admin import NotAllowed
from bot.commands import Caller, Commands
from bot.container import Steward
from bot.settings import Settings
from bot.store.feedback import Vote
from governance.policy.config import PolicySettings


def _rows(app: Steward, sql: str) -> list:
    with app.database.engine.begin() as conn:
        return list(conn.execute(text(sql)).all())


def test_feedback_is_one_vote_per_user_and_audited(handbook: Steward) -> None:
    caller = Caller("slack", "acme", "C-fb", "U-fb")
    reply = asyncio.run(handbook.commands.ask(caller, "how many YubiKeys does each person get?"))
    feedback = handbook.chat.feedback
    assert feedback.record(Vote("acme", str(reply.answer_id), "slack", "U-fb", 1))
    assert feedback.record(Vote("acme", str(reply.answer_id), "slack", "U-fb", -1, "wrong: mail jane@example.com"))
    [row] = _rows(handbook, f"select rating, comment from feedback where answer_id = '{reply.answer_id}'")
    assert row.rating == -1 and row.comment == "wrong: mail <EMAIL_ADDRESS_1>"  # the reason is redacted too
    assert not feedback.record(Vote("acme", "not-a-uuid", "slack", "U-fb", 1))
    assert not feedback.record(Vote("other-tenant", str(reply.answer_id), "slack", "U-fb", 1))  # RLS: not theirs
    kinds = [r.kind for r in _rows(handbook, "select kind from audit_events where tenant_id = 'acme'")]
    assert kinds.count("feedback") >= 2


def test_the_ledger_claims_each_event_once(steward: Steward) -> None:
    ledger = steward.chat.ledger
    assert ledger.claim("slack", "ledger-co", "Ev1") is True
    assert [ledger.claim("slack", "ledger-co", "Ev1") for _ in range(3)] == [False, False, False]
    assert ledger.claim("discord", "ledger-co", "Ev1") is True  # per platform


def test_sources_forget_me_and_audit_export_permissions(handbook: Steward, settings: Settings) -> None:
    caller = Caller("slack", "acme", "C-src", "U-cmd")
    titles = {s.title for s in handbook.commands.sources(caller)}
    assert "Passwords and MFA" in titles
    asyncio.run(handbook.commands.ask(caller, "hello?"))
    assert handbook.commands.forget_me(caller)["answers"] == 1
    policy = PolicySettings(roles={"acme": {"slack:U-comp": "compliance"}})
    app = Steward(settings.model_copy(update={"policy": policy}), handbook.database)
    with pytest.raises(NotAllowed, match="member"):
        app.commands.audit_export(caller)
    path, manifest = app.commands.audit_export(Caller("slack", "acme", "C-src", "U-comp"))
    lines = path.read_text().splitlines()
    assert manifest.count == len(lines) > 0 and all(json.loads(line)["tenant"] == "acme" for line in lines)
    assert "forget_user" in {json.loads(line)["kind"] for line in lines}
    assert Commands.help().startswith("*Steward*")


def test_guests_who_may_not_ask_may_not_list_sources_either(steward: Steward, settings: Settings) -> None:
    policy = PolicySettings(permissions={"admin": ["ask"], "compliance": [], "member": ["ask"], "guest": []})
    app = Steward(settings.model_copy(update={"policy": policy}), steward.database)
    with pytest.raises(NotAllowed, match="guest"):
        app.commands.sources(Caller("slack", "src-co", "C1", "U-g", platform_guest=True))
    kinds = [r.kind for r in _rows(app, "select kind from audit_events where tenant_id = 'src-co'")]
    assert kinds == ["policy_denied"]
