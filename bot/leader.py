"""Leader election by a session-level PostgreSQL advisory lock, with failover.

Every ``steward serve`` replica runs one :class:`LeaderElection`. One of them holds the lock on a
dedicated connection and runs the scheduler; the others try again every ``retry_s`` seconds. When the
leader dies, its connection drops and PostgreSQL releases the lock, so another replica takes over on its
next try. The leader checks its own connection on the same period: when the connection is gone (killed,
database restarted) it has lost the lock, so it stops its scheduler at once and competes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Callable

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from bot.logs import get_logger
from bot.metrics import Metrics

log = get_logger(__name__)


def election_key(name: str) -> int:
    """The advisory-lock key of an election (stable across processes)."""
    return zlib.crc32(f"steward-leader:{name}".encode())


def dedicated_connections(engine: Engine) -> Callable[[], Connection]:
    """Connections outside the app's pool (closing one really closes it, which releases its locks)."""
    own = create_engine(engine.url, poolclass=NullPool)
    return own.connect


class LeaderElection:
    """Compete for leadership of ``name``; call ``on_elected``/``on_lost`` as it is won and lost."""

    def __init__(
        self,
        connect: Callable[[], Connection],
        name: str,
        retry_s: float,
        on_elected: Callable[[], None],
        on_lost: Callable[[], None],
        metrics: Metrics,
    ) -> None:
        self._connect = connect
        self._key = election_key(name)
        self._retry_s = retry_s
        self._on_elected = on_elected
        self._on_lost = on_lost
        self._metrics = metrics
        self._conn: Connection | None = None

    @property
    def is_leader(self) -> bool:
        """Whether this process holds the lock."""
        return self._conn is not None

    def _try_acquire(self) -> Connection | None:
        try:
            conn = self._connect()
        except Exception as exc:  # noqa: BLE001 - the database is away: stay a follower, try again later
            log.warning("leader.unreachable", error=f"{type(exc).__name__}: {exc}"[:200])
            return None
        try:
            won = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar())
            conn.commit()
        except Exception:  # noqa: BLE001 - same as above
            won = False
        if not won:
            conn.close()
            return None
        return conn

    def _alive(self, conn: Connection) -> bool:
        try:
            conn.execute(text("SELECT 1"))
            conn.commit()
            return True
        except Exception as exc:  # noqa: BLE001 - any failure means the session, and so the lock, is gone
            log.warning("leader.connection_lost", error=f"{type(exc).__name__}: {exc}"[:200])
            with contextlib.suppress(Exception):
                conn.close()
            return False

    async def step(self) -> None:
        """One round: a follower tries to take the lock; the leader checks that it still holds it."""
        if self._conn is None:
            self._conn = await asyncio.to_thread(self._try_acquire)
            if self._conn is not None:
                log.info("leader.elected")
                self._metrics.leader.set(1)
                try:
                    self._on_elected()
                except Exception as exc:  # noqa: BLE001 - give the lock up so a healthy replica can lead
                    log.error("leader.start_failed", error=f"{type(exc).__name__}: {exc}"[:300])
                    await asyncio.to_thread(self._release)
        elif not await asyncio.to_thread(self._alive, self._conn):
            self._step_down()

    def _step_down(self) -> None:
        self._conn = None
        self._metrics.leader.set(0)
        log.warning("leader.stepped_down")
        self._on_lost()

    def _release(self) -> None:
        conn = self._conn
        if conn is not None:
            self._step_down()
            with contextlib.suppress(Exception):
                conn.close()  # closing the session releases the lock

    async def run(self) -> None:
        """Compete until cancelled; on the way out, stop leading and release the lock."""
        try:
            while True:
                await self.step()
                await asyncio.sleep(self._retry_s)
        finally:
            self._release()
