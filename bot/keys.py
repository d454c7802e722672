"""Secret keys: from settings when given, else created once in the data dir (owner-only permissions)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr


def secret_key(configured: SecretStr | None, path: Path) -> bytes:
    """The configured secret, or the one stored at ``path`` (created with 32 random bytes if missing)."""
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value().encode()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
