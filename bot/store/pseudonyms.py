"""A conversation's pseudonyms, persisted so ``<PERSON_1>`` stays the same person across messages.

Without the vault only keyed hashes of the values are stored (consistency, never the values). With
the vault the mapping itself is stored, encrypted, so replies can restore the asker's own values.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

from sqlalchemy import text

from bot.db.database import Database
from bot.pipeline.message import IncomingMessage
from governance.pii.pseudonyms import Pseudonyms
from governance.pii.vault import Vault

_NON_ALNUM = re.compile(r"[\W_]+")
_LOAD = text(
    "SELECT pii_state, pii_vault FROM conversations"
    " WHERE platform = :platform AND tenant_id = :tenant AND channel_id = :channel AND thread_id = :thread"
)


class HashedPseudonyms(Pseudonyms):
    """Pseudonyms whose stored "values" are keyed hashes: consistent placeholders, nothing reversible."""

    def __init__(self, key: bytes) -> None:
        super().__init__()
        self._secret = key

    def placeholder(self, kind: str, value: str) -> str:
        """The placeholder for ``value``, looked up by its keyed hash."""
        canonical = _NON_ALNUM.sub("", value).casefold()
        digest = hmac.new(self._secret, f"{kind}\x00{canonical}".encode(), hashlib.sha256).hexdigest()[:32]
        return super().placeholder(kind, digest)

    @classmethod
    def load(cls, key: bytes, state: dict[str, str]) -> HashedPseudonyms:
        """Rebuild from a stored ``to_dict()``."""
        names = cls(key)
        entries = []
        for placeholder, digest in Pseudonyms.from_dict(state).to_dict().items():  # validates the shape
            kind, number = placeholder.strip("<>").rsplit("_", 1)
            entries.append((kind, int(number), digest))
        for kind, _, digest in sorted(entries):  # numbers were handed out 1, 2, 3… per kind
            Pseudonyms.placeholder(names, kind, digest)
        return names


def thread_key(msg: IncomingMessage) -> str:
    """The conversation a message belongs to (as the recorder keys it)."""
    return msg.thread or f"{msg.channel}:{msg.user}"


class PseudonymStore:
    """Loads a conversation's pseudonyms; the recorder saves them with the exchange."""

    def __init__(self, database: Database, key: bytes, vault: Vault | None) -> None:
        self._database = database
        self._key = key
        self.vault = vault

    def load(self, msg: IncomingMessage) -> Pseudonyms:
        """The conversation's pseudonyms (empty for a new conversation)."""
        params = {"platform": msg.platform, "tenant": msg.tenant, "channel": msg.channel, "thread": thread_key(msg)}
        with self._database.tenant_connection(msg.tenant) as conn:
            row = conn.execute(_LOAD, params).first()
        if self.vault is not None:
            return self.vault.open(row.pii_vault.decode()) if row is not None and row.pii_vault else Pseudonyms()
        return HashedPseudonyms.load(self._key, row.pii_state if row is not None else {})

    def dump(self, names: Pseudonyms) -> tuple[str, bytes | None]:
        """``(pii_state JSON, pii_vault)`` to store: hashes without the vault, the sealed mapping with it."""
        if self.vault is not None:
            return "{}", self.vault.seal(names).encode()
        return json.dumps(names.to_dict()), None
