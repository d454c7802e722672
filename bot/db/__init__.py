"""PostgreSQL + pgvector: the only store. Embedded server, engine/pool, and migrations."""

from bot.db.database import Database, open_database

__all__ = ["Database", "open_database"]
