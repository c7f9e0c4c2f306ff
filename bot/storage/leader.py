"""One active instance per database: the one that polls Telegram and sends reminders.

Telegram allows one long-polling client per token (a second gets 409 Conflict) and 30
messages a second per token across every process. So with several instances on one
PostgreSQL database, one holds a session-level advisory lock and is active; the others
stand by, retrying the lock every ``retry_seconds``. When the active one dies, PostgreSQL
drops its connection and with it the lock, and a standby takes over within a few seconds.

SQLite is a single file on a single machine: every instance there is active (claims are
still atomic, so two never send the same reminder).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

LOCK_KEY = 0x556E6B6E6F74  # "Unknot"


class Leadership:
    def __init__(self, engine: AsyncEngine, retry_seconds: float = 1.0, lock_key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.retry_seconds = retry_seconds
        self.lock_key = lock_key
        self.acquired = asyncio.Event()
        self.lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connection: AsyncConnection | None = None

    @property
    def is_leader(self) -> bool:
        return self.acquired.is_set() and not self.lost.is_set()

    async def start(self) -> None:
        if self.engine.dialect.name != "postgresql":
            self.acquired.set()
            return
        self._task = asyncio.create_task(self._run())

    async def wait(self, stop: asyncio.Event) -> bool:
        """Wait until this instance is the active one (True) or ``stop`` is set (False)."""
        if self.is_leader:
            return True
        waits = [asyncio.ensure_future(self.acquired.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        return self.is_leader

    async def _run(self) -> None:
        announced = False
        while True:
            try:
                if self._connection is None:
                    self._connection = await self.engine.connect()
                connection = self._connection
                if not self.acquired.is_set():
                    got = (await connection.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                                    {"k": self.lock_key})).scalar_one()
                    await connection.commit()
                    if got:
                        log.info("this instance is now the active one (polls and sends reminders)")
                        self.acquired.set()
                    elif not announced:
                        log.info("another instance is active; standing by to take over")
                        announced = True
                else:
                    await connection.execute(text("SELECT 1"))
                    await connection.commit()
            except asyncio.CancelledError:
                raise
            except Exception:
                if self.acquired.is_set():
                    # The lock lived on that connection: another instance may hold it now.
                    log.error("lost the database connection holding the active lock; stopping sends")
                    self.lost.set()
                    return
                log.warning("could not reach the database for the active lock; retrying", exc_info=True)
                await self._close_connection()
            await asyncio.sleep(self.retry_seconds)

    async def _close_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None and self.acquired.is_set() and not self.lost.is_set():
            with contextlib.suppress(Exception):
                await self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.lock_key})
                await self._connection.commit()
        await self._close_connection()
