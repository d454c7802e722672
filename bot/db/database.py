"""The engine and pooled psycopg 3 connections, and the transaction helper everything uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pgvector.psycopg import register_vector
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bot.db.embedded import EmbeddedPostgres
from bot.settings import Settings

APP_ROLE = "steward_app"  # created by migration 0002; row-level security applies to it


def sqlalchemy_url(url: str) -> str:
    """Accept ``postgresql://`` or ``postgres://`` URLs and select the psycopg 3 driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername != "postgresql+psycopg":
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got driver {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def _register_vector(dbapi_connection: Any, _record: Any) -> None:
    # Before the first migration the extension does not exist yet; those connections are disposed after it.
    try:
        register_vector(dbapi_connection)
    except Exception:  # noqa: BLE001, S110 - psycopg raises ProgrammingError when the type is missing
        dbapi_connection.rollback()


class Database:
    """A pooled engine (psycopg 3) and, when no URL is configured, the embedded server behind it."""

    def __init__(self, url: str, settings: Settings, embedded: EmbeddedPostgres | None = None) -> None:
        self.embedded = embedded
        self.engine: Engine = create_engine(
            sqlalchemy_url(url),
            pool_size=settings.database.pool_size,
            max_overflow=settings.database.max_overflow,
            pool_pre_ping=True,
            connect_args={"connect_timeout": settings.database.connect_timeout},
        )
        event.listen(self.engine, "connect", _register_vector)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One session in one transaction: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def tenant_connection(self, tenant: str) -> Iterator[Connection]:
        """A transaction run as the application role with ``app.tenant_id`` set: RLS applies to it."""
        if not tenant:
            raise ValueError("a tenant is required")
        with self.engine.begin() as conn:
            # One round trip: SET LOCAL ROLE and the tenant, both for this transaction only.
            conn.execute(
                text("SELECT set_config('role', :role, true), set_config('app.tenant_id', :t, true)"),
                {"role": APP_ROLE, "t": tenant},
            )
            yield conn

    @contextmanager
    def tenant_session(self, tenant: str) -> Iterator[Session]:
        """A SQLModel session inside :meth:`tenant_connection`."""
        with self.tenant_connection(tenant) as conn:
            session = Session(bind=conn, expire_on_commit=False)
            try:
                yield session
                session.flush()
            finally:
                session.close()

    def ping(self) -> bool:
        """True when the database answers."""
        with self.engine.connect() as conn:
            return conn.execute(text("select 1")).scalar() == 1

    def reset_pool(self) -> None:
        """Drop pooled connections (after a migration created types they must know about)."""
        self.engine.dispose()

    def close(self) -> None:
        """Close the pool and release the embedded server handle."""
        self.engine.dispose()
        if self.embedded is not None:
            self.embedded.stop()


def open_database(settings: Settings) -> Database:
    """Connect to ``DATABASE_URL``, or start/join the embedded server in the data dir."""
    if settings.database.url is not None:
        return Database(settings.database.url.get_secret_value(), settings)
    embedded = EmbeddedPostgres(settings.core.data_dir)
    url = embedded.start()
    return Database(url, settings, embedded)
