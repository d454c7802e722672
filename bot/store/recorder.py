"""Writes conversation and answer rows in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session

from bot.db.database import Database
from bot.pipeline.turn import Turn
from bot.store.tables import AnswerRecord, Conversation


def _conversation_id(session: Session, turn: Turn) -> uuid.UUID:
    msg = turn.message
    thread = msg.thread or f"{msg.channel}:{msg.user}"
    statement = (
        insert(Conversation)
        .values(
            id=uuid.uuid4(),
            platform=msg.platform,
            tenant_id=msg.tenant,
            channel_id=msg.channel,
            thread_id=thread,
            started_by=msg.user,
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        )
        .on_conflict_do_update(constraint="uq_conversations_thread", set_={"updated_at": datetime.now(UTC)})
        .returning(Conversation.__table__.c.id)  # type: ignore[attr-defined]
    )
    return uuid.UUID(str(session.execute(statement).scalar_one()))


class ExchangeRecorder:
    """Records each answered message."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def record(self, turn: Turn) -> uuid.UUID:
        """Upsert the conversation for the thread, insert the answer row; returns the answer id."""
        answer = turn.answer
        if answer is None:
            raise RuntimeError("nothing to record: the turn has no answer")
        with self._database.tenant_session(turn.message.tenant) as session:
            row = AnswerRecord(
                conversation_id=_conversation_id(session, turn),
                request_id=turn.request_id,
                tenant_id=turn.message.tenant,
                user_id=turn.message.user,
                question=turn.message.text,
                answer=answer.text,
                abstained=answer.abstained,
                mode=answer.mode,
                groundedness=answer.groundedness,
                adapter=answer.adapter,
                route_reason=answer.route_reason,
                tokens_in=answer.usage.get("input_tokens"),
                tokens_out=answer.usage.get("output_tokens"),
                ttft_ms=answer.latency_ms.get("ttft"),
                cost_usd=answer.cost_usd,
                citations=[c.as_json() | {"heading_path": c.heading_path} for c in answer.citations],
                model=answer.model,
                latency_ms=dict(turn.timings_ms),
            )
            session.add(row)
            session.flush()
            return row.id
