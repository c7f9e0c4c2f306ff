from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.app import Services, open_services, run_bots
from bot.config import Secret, Settings
from bot.reminders.dispatcher import Dispatcher
from tests.fakebotapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("UNKNOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


@pytest.fixture
def clock() -> FakeClock:
    # A Monday morning in UTC.
    return FakeClock(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, content_dir=ROOT / "content")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test session's own, dropped at the end."""
    name = f"unknot_test_{os.getpid()}"

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def admin(sql: str) -> None:
        # Its own thread: the fixture may be first requested from inside a running loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, execute(sql)).result()

    admin(f'DROP DATABASE IF EXISTS "{name}"')
    admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def truncate_pg(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        exists = await conn.fetchval("SELECT to_regclass('public.subscribers') IS NOT NULL")
        if exists:
            await conn.execute("TRUNCATE deliveries, subscriptions, subscribers RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'unknot.db'}"
    url: str = request.getfixturevalue("pg_database")
    await truncate_pg(url)
    return url


@pytest.fixture
async def services(settings: Settings, database_url: str, clock: FakeClock) -> AsyncIterator[Services]:
    """The core services on the test's database (SQLite and PostgreSQL), closed afterwards."""
    built = await open_services(replace(settings, database_url=database_url), clock)
    yield built
    await built.close()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


@dataclass
class RunningBot:
    api: FakeBotAPI
    task: asyncio.Task[None]
    stop: asyncio.Event
    services: Services
    dispatcher: Dispatcher
    clock: FakeClock

    async def command(self, text: str, **kwargs: object) -> str:
        """Send ``text`` as a user and return the HTML text of the bot's next message."""
        before = len(self.api.calls)
        await self.api.push_message(text, **kwargs)  # type: ignore[arg-type]
        call = await self.api.wait_for("sendMessage", after=before)
        return call.text

    async def shutdown(self) -> None:
        self.stop.set()
        await self.api.drain()
        await asyncio.wait_for(self.task, 15)
        self.api.draining = False


async def start_bot(api: FakeBotAPI, settings: Settings, clock: FakeClock,
                    dispatch_every: float | None = None) -> RunningBot:
    settings = replace(settings, telegram_token=Secret(api.token), telegram_base_url=api.base_url)
    stop = asyncio.Event()
    got: dict[str, object] = {}
    before = len(api.sent("setMyCommands"))

    def ready(services: Services, dispatcher: Dispatcher) -> None:
        got["services"], got["dispatcher"] = services, dispatcher

    task = asyncio.create_task(run_bots(settings, stop=stop, clock=clock, poll_timeout=1,
                                            dispatch_every=dispatch_every, ready=ready))
    await api.wait_count("setMyCommands", before + 2, timeout=15)  # private chats' menu, then groups'
    return RunningBot(api, task, stop, got["services"], got["dispatcher"], clock)  # type: ignore[arg-type]


@pytest.fixture
async def telegram_bot(fake_api: FakeBotAPI, settings: Settings, clock: FakeClock) -> AsyncIterator[RunningBot]:
    bot = await start_bot(fake_api, settings, clock)
    yield bot
    if not bot.task.done():
        await bot.shutdown()
