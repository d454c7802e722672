"""Alembic environment. Steward runs migrations through ``steward migrate`` (and on start), which
passes an open connection in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import agents.tables  # noqa: F401 - registers the knowledge tables on SQLModel.metadata
import bot.store.tables  # noqa: F401 - registers the conversation tables

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from bot.db import open_database
        from bot.settings import load_settings

        database = open_database(load_settings())
        try:
            with database.engine.begin() as conn:
                _run(conn)
        finally:
            database.close()
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url="postgresql+psycopg://", target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
