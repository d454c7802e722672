"""How governance reaches the database: transaction factories handed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import Connection

TenantTx = Callable[[str], AbstractContextManager[Connection]]  # a transaction as the app role, RLS on
AdminTx = Callable[[], AbstractContextManager[Connection]]  # a transaction as the owner (operator tasks)
