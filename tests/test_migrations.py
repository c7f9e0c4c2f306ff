"""Schema migrations on SQLite and PostgreSQL: an existing database keeps every user's settings.

Each test builds a database at revision 0002 (people as ``users``), fills it the way the bot
did, and migrates it to the newest revision as the bot does at start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import open_services
from bot.config import Settings
from bot.core.router import Caller
from bot.storage.db import make_engine, migrate, run_migrations
from bot.storage.models import Base, Delivery, Subscriber, Subscription
from tests.conftest import PG_ADMIN, ROOT, FakeClock

MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it: a file, or a PostgreSQL database of this test's own."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    name = f"unknot_migration_{abs(hash(request.node.nodeid)) % 10**8}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def run_alembic(engine: AsyncEngine, action: str, revision: str) -> None:
    await run_migrations(engine, action, revision)


USERS = [  # id, platform_user_id, chat_id, timezone, window, days, stopped, blocked, phase
    (1, "42", "42", "Europe/Berlin", "08:00", "17:00", "01234", False, False, 17),
    # An old bug overwrote a person's chat with a group's when they pressed a button there.
    (2, "43", "-100555", "America/New_York", "09:00", "18:00", "0123456", False, False, 300),
    (3, "44", "44", None, "09:00", "18:00", "0123456", True, True, 5),
]


async def fill_old_database(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for uid, person, chat, zone, start, end, days, stopped, blocked, phase in USERS:
            await conn.execute(text(
                "INSERT INTO users (id, platform, platform_user_id, chat_id, timezone, window_start, window_end, "
                "days, paused_until, stopped, blocked, created_at, phase_seconds) VALUES (:id, 'telegram', :p, :c, "
                ":z, :s, :e, :d, :pause, :stopped, :blocked, :created, :phase)"),
                {"id": uid, "p": person, "c": chat, "z": zone, "s": start, "e": end, "d": days, "stopped": stopped,
                 "blocked": blocked, "created": MONDAY, "phase": phase,
                 "pause": datetime(2026, 11, 24, 23, 0, tzinfo=UTC) if uid == 1 else None})
        subs = [(10, 1, "water", True, 60, None, datetime(2026, 11, 23, 9, 0, 17, tzinfo=UTC), "tip-water-drink"),
                (11, 1, "daily", True, None, "08:30", datetime(2026, 11, 23, 7, 30, tzinfo=UTC), "tip-daily-heat"),
                (12, 2, "stretch", False, 90, None, None, "")]
        for sid, uid, kind, enabled, interval, at_time, due, shown in subs:
            await conn.execute(text(
                "INSERT INTO subscriptions (id, user_id, kind, enabled, interval_minutes, at_time, next_due_at, "
                "attempts, shown_tips) VALUES (:id, :u, :k, :en, :i, :at, :due, 0, :shown)"),
                {"id": sid, "u": uid, "k": kind, "en": enabled, "i": interval, "at": at_time, "due": due,
                 "shown": shown})
        await conn.execute(text(
            "INSERT INTO deliveries (id, user_id, kind, tip_id, due_at, sent_at, done_at) VALUES "
            "(100, 1, 'water', 'tip-water-drink', :t, :t, :t)"), {"t": MONDAY})


async def test_every_users_settings_survive_the_migration(empty_url: str, tmp_path: Path, clock: FakeClock) -> None:
    engine = make_engine(empty_url)
    try:
        await run_alembic(engine, "upgrade", "0002")
        await fill_old_database(engine)
        await migrate(engine)  # what the bot does at every start

        async with engine.connect() as conn:
            def differences(sync: Connection) -> list[object]:
                return list(compare_metadata(MigrationContext.configure(sync), Base.metadata))

            assert await conn.run_sync(differences) == []  # the migrated schema is the models' schema
        async with engine.connect() as conn:
            rows = {r.id: r for r in (await conn.execute(select(Subscriber.__table__)))}
            subs = {r.id: r for r in (await conn.execute(select(Subscription.__table__)))}
            deliveries = list(await conn.execute(select(Delivery.__table__)))
        for uid, person, _, zone, start, end, days, stopped, blocked, phase in USERS:
            row = rows[uid]
            assert (row.platform, row.kind, row.person_id, row.thread_id) == ("telegram", "private", person, 0)
            assert row.chat_id == person  # a private chat's id is its person's, the overwritten one too
            assert (row.timezone, row.window_start, row.window_end, row.days) == (zone, start, end, days)
            assert (row.stopped, row.blocked, row.phase_seconds) == (stopped, blocked, phase)
        assert rows[1].paused_until == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
        assert {(s.subscriber_id, s.kind, s.enabled, s.interval_minutes, s.at_time, s.shown_tips)
                for s in subs.values()} == {(1, "water", True, 60, None, "tip-water-drink"),
                                            (1, "daily", True, None, "08:30", "tip-daily-heat"),
                                            (2, "stretch", False, 90, None, "")}
        assert subs[10].next_due_at == datetime(2026, 11, 23, 9, 0, 17, tzinfo=UTC)
        assert [(d.subscriber_id, d.done_at) for d in deliveries] == [(1, MONDAY)]
    finally:
        await engine.dispose()

    # The bot runs on the migrated database: the person's reminders, settings and history are there.
    settings = Settings(data_dir=tmp_path, content_dir=ROOT / "content")
    services = await open_services(replace(settings, database_url=empty_url), clock)
    try:
        ann = Caller("telegram", "42", "42")
        listed = await services.router.command(ann, "reminders")
        assert "Water: every 60 min" in listed.text and "Daily tip: at 08:30" in listed.text
        assert "Time zone Europe/Berlin, active 08:00-17:00, Mon-Fri" in listed.text
        assert "Water: 1 today" in (await services.router.command(ann, "stats")).text
    finally:
        await services.close()


async def test_the_migration_can_be_undone_and_redone(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        await run_alembic(engine, "upgrade", "0002")
        await fill_old_database(engine)
        await migrate(engine)
        await run_alembic(engine, "downgrade", "0002")
        async with engine.connect() as conn:
            back = list(await conn.execute(text("SELECT id, platform_user_id, timezone FROM users ORDER BY id")))
            owners = list(await conn.execute(text("SELECT DISTINCT user_id FROM subscriptions ORDER BY user_id")))
        assert [tuple(r) for r in back] == [(1, "42", "Europe/Berlin"), (2, "43", "America/New_York"), (3, "44", None)]
        assert [r[0] for r in owners] == [1, 2]
        await migrate(engine)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM subscribers"))).scalar_one() == 3
    finally:
        await engine.dispose()


async def test_a_downgrade_drops_groups_and_channels_with_their_reminders(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO subscribers (id, platform, kind, person_id, chat_id, thread_id, window_start, window_end, "
                "days, stopped, blocked, created_at, phase_seconds) VALUES (1, 'telegram', 'private', '42', '42', 0, "
                "'09:00', '18:00', '0123456', false, false, :t, 0), (2, 'telegram', 'group', '42', '-100500', 7, "
                "'09:00', '18:00', '0123456', false, false, :t, 0)"), {"t": MONDAY})
            await conn.execute(text(
                "INSERT INTO subscriptions (id, subscriber_id, kind, enabled, attempts, shown_tips) VALUES "
                "(1, 1, 'water', true, 0, ''), (2, 2, 'daily', true, 0, '')"))
            await conn.execute(text(
                "INSERT INTO deliveries (subscriber_id, kind, tip_id, due_at, sent_at) VALUES "
                "(2, 'daily', 'tip-daily-heat', :t, :t)"), {"t": MONDAY})
        await run_alembic(engine, "downgrade", "0002")
        async with engine.connect() as conn:
            assert [tuple(r) for r in await conn.execute(text("SELECT id, platform_user_id FROM users"))] == [(1, "42")]
            assert [r[0] for r in await conn.execute(text("SELECT user_id FROM subscriptions"))] == [1]
            assert (await conn.execute(text("SELECT count(*) FROM deliveries"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_a_migration_that_fails_changes_nothing(empty_url: str) -> None:
    """All or nothing, on SQLite too: two old rows that cannot both become subscribers (the same
    chat on one platform) make 0003 fail, and the database stays exactly at 0002."""
    engine = make_engine(empty_url)
    try:
        await run_alembic(engine, "upgrade", "0002")
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO users (id, platform, platform_user_id, chat_id, window_start, window_end, days, "
                "stopped, blocked, created_at, phase_seconds) VALUES (1, 'console', 'a', 'same', '09:00', '18:00', "
                "'0123456', false, false, :t, 0), (2, 'console', 'b', 'same', '09:00', '18:00', '0123456', false, "
                "false, :t, 0)"), {"t": MONDAY})
        with pytest.raises(Exception):  # noqa: B017 - the database's own error, whichever driver
            await migrate(engine)
        async with engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            users = (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one()
        assert (version, users) == ("0002", 2)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE users SET chat_id = 'other' WHERE id = 2"))
        await migrate(engine)  # once the data allows it, the same migration goes through
    finally:
        await engine.dispose()
