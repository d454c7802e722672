"""Encryption at rest for a conversation's pseudonym mapping (Fernet: AES-128-CBC plus HMAC-SHA256)."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from governance.pii.pseudonyms import Pseudonyms


def fernet_from(key: SecretStr | str | None) -> Fernet:
    """A Fernet for ``key``, or a ``ValueError`` that says what is wrong with it (never the key itself)."""
    if key is None:
        raise ValueError("the PII vault is enabled but STEWARD_PII_VAULT_KEY is not set (Fernet.generate_key())")
    raw = key.get_secret_value() if isinstance(key, SecretStr) else key
    try:
        return Fernet(raw.strip().encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("STEWARD_PII_VAULT_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)") from exc


class Vault:
    """Seals a ``Pseudonyms`` mapping into an opaque token, and opens it again with the same key."""

    def __init__(self, key: SecretStr | str | None) -> None:
        self._fernet = fernet_from(key)

    def seal(self, pseudonyms: Pseudonyms) -> str:
        """Encrypt the mapping (placeholders and original values) for storage."""
        payload = json.dumps(pseudonyms.to_dict(), ensure_ascii=False, sort_keys=True).encode()
        return self._fernet.encrypt(payload).decode()

    def open(self, token: str) -> Pseudonyms:
        """Decrypt a sealed mapping; ``ValueError`` when it was sealed with another key or tampered with."""
        try:
            payload = self._fernet.decrypt(token.encode())
        except InvalidToken as exc:
            raise ValueError("the sealed pseudonyms cannot be opened with this vault key") from exc
        return Pseudonyms.from_dict(json.loads(payload))
