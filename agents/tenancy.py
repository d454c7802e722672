"""How the knowledge layer gets a database connection: always scoped to one tenant.

The composition root passes a ``TenantTx`` (a plain callable) into every class here. It opens a
transaction in which row-level security confines every statement to ``tenant``, so a query that
forgets its tenant filter still sees only that tenant's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import Connection

TenantTx = Callable[[str], AbstractContextManager[Connection]]
# Cross-tenant administration (listing every tenant's collections, re-indexing all of them) runs as the
# owner, outside row-level security. Only operator commands get one; chat requests never do.
AdminTx = Callable[[], AbstractContextManager[Connection]]
