"""Writes conversation and answer rows in one transaction."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session

from bot.db.database import Database
from bot.pipeline.turn import Turn
from bot.store.pseudonyms import PseudonymStore, thread_key
from bot.store.tables import AnswerRecord, Conversation


def _conversation_id(session: Session, turn: Turn, pii: tuple[str, bytes | None]) -> uuid.UUID:
    msg = turn.message
    thread = thread_key(msg)
    state, vault = pii
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
            pii_state=json.loads(state),
            pii_vault=vault,
        )
        .on_conflict_do_update(
            constraint="uq_conversations_thread",
            set_={"updated_at": datetime.now(UTC), "pii_state": json.loads(state), "pii_vault": vault},
        )
        .returning(Conversation.__table__.c.id)  # type: ignore[attr-defined]
    )
    return uuid.UUID(str(session.execute(statement).scalar_one()))


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


class ExchangeRecorder:
    """Records each answered message."""

    def __init__(self, database: Database, pseudonyms: PseudonymStore) -> None:
        self._database = database
        self._pseudonyms = pseudonyms

    def _pii(self, turn: Turn) -> tuple[str, bytes | None]:
        return self._pseudonyms.dump(turn.pseudonyms) if turn.pseudonyms is not None else ("{}", None)

    def record(self, turn: Turn) -> uuid.UUID:
        """Upsert the conversation for the thread, insert the answer row; returns the answer id."""
        answer = turn.answer
        if answer is None:
            raise RuntimeError("nothing to record: the turn has no answer")
        with self._database.tenant_session(turn.message.tenant) as session:
            row = AnswerRecord(
                conversation_id=_conversation_id(session, turn, self._pii(turn)),
                request_id=turn.request_id,
                tenant_id=turn.message.tenant,
                user_id=turn.message.user,
                question=turn.text,  # redacted: the raw message is never stored
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
                retrieved=[
                    str(d.metadata.get("chunk_id", "")) for d in (turn.retrieval.documents if turn.retrieval else [])
                ],
                regenerated_from=_uuid(turn.message.regenerate_of),
                facts=list(answer.facts),
            )
            session.add(row)
            session.flush()
            return row.id
