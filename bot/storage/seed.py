"""Bulk-load many users with one subscription each: for load tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.store import SUBSCRIBERS, SUBSCRIPTIONS

CHUNK = 20_000


async def seed(engine: AsyncEngine, count: int, due_at: Callable[[int], datetime | None],
               platform: str = "bench", kind: str = "water", chat_id: Callable[[int], str] = str) -> None:
    """Add ``count`` users, each with one enabled ``kind`` subscription due at ``due_at(i)``."""
    async with engine.connect() as conn:
        start = int((await conn.execute(select(func.coalesce(func.max(SUBSCRIBERS.c.id), 0)))).scalar_one()) + 1
    created = datetime(2026, 1, 1, tzinfo=UTC)

    def user_values(i: int) -> dict[str, Any]:
        return {"id": start + i, "platform": platform, "person_id": f"u{start + i}",
                "chat_id": chat_id(start + i), "timezone": "UTC", "window_start": "00:00", "window_end": "23:59",
                "days": "0123456", "paused_until": None, "stopped": False, "blocked": False,
                "created_at": created, "phase_seconds": 0,
                "kind": "private", "thread_id": 0, "title": None, "blocked_reason": None}

    def sub_values(i: int) -> dict[str, Any]:
        return {"id": start + i, "subscriber_id": start + i, "kind": kind, "enabled": True, "interval_minutes": 60,
                "at_time": None, "next_due_at": due_at(i), "claimed_until": None, "claimed_by": None,
                "attempts": 0, "shown_tips": "", "last_error": None}

    user_rows = (tuple(user_values(i)[c.name] for c in SUBSCRIBERS.columns) for i in range(count))
    sub_rows = (tuple(sub_values(i)[c.name] for c in SUBSCRIPTIONS.columns) for i in range(count))
    if engine.dialect.name == "postgresql":
        await _copy(engine, "subscribers", [c.name for c in SUBSCRIBERS.columns], user_rows)
        await _copy(engine, "subscriptions", [c.name for c in SUBSCRIPTIONS.columns], sub_rows)
        async with engine.begin() as conn:
            for name in ("subscribers", "subscriptions"):
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
        return
    for table, rows in ((SUBSCRIBERS, user_rows), (SUBSCRIPTIONS, sub_rows)):
        names = [c.name for c in table.columns]
        for chunk in _chunks(rows):
            async with engine.begin() as conn:
                await conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in chunk])


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _copy(engine: AsyncEngine, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for chunk in _chunks(rows):
            await driver.copy_records_to_table(table, records=chunk, columns=columns)
        await conn.commit()
