"""Several instances on one PostgreSQL database: one polls and sends, the others stand by."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.app import run_bots
from bot.config import Secret, Settings
from bot.storage.db import make_engine
from bot.storage.leader import Leadership
from tests.conftest import FakeClock, truncate_pg
from tests.fakebotapi import FakeBotAPI


async def test_one_instance_is_active_and_a_standby_takes_over(fake_api: FakeBotAPI, settings: Settings,
                                                               clock: FakeClock, pg_database: str) -> None:
    await truncate_pg(pg_database)
    settings = replace(settings, telegram_token=Secret(fake_api.token), telegram_base_url=fake_api.base_url,
                       database_url=pg_database)
    stops = [asyncio.Event(), asyncio.Event()]
    first = asyncio.create_task(run_bots(settings, stop=stops[0], clock=clock, poll_timeout=1,
                                             dispatch_every=None))
    await fake_api.wait_count("setMyCommands", 2, timeout=15)  # the menus of private chats and of groups
    second = asyncio.create_task(run_bots(settings, stop=stops[1], clock=clock, poll_timeout=1,
                                              dispatch_every=None))
    await asyncio.sleep(2.5)
    assert len(fake_api.sent("setMyCommands")) == 2  # the second stands by: no second poller (409)
    polls = len(fake_api.sent("getUpdates"))

    stops[0].set()  # the active instance goes away
    await fake_api.drain()
    await asyncio.wait_for(first, 15)
    fake_api.draining = False
    await fake_api.wait_count("setMyCommands", 4, timeout=10)  # the standby took over
    assert len(fake_api.sent("getUpdates")) >= polls
    reply_before = len(fake_api.calls)
    await fake_api.push_message("/start")
    await fake_api.wait_for("sendMessage", after=reply_before)
    stops[1].set()
    await fake_api.drain()
    await asyncio.wait_for(second, 15)


async def test_the_lock_is_freed_when_its_connection_dies(pg_database: str) -> None:
    a, b = make_engine(pg_database), make_engine(pg_database)
    first, second = Leadership(a, retry_seconds=0.1), Leadership(b, retry_seconds=0.1)
    try:
        await first.start()
        await asyncio.wait_for(first.acquired.wait(), 5)
        await second.start()
        await asyncio.sleep(0.5)
        assert first.is_leader and not second.is_leader
        assert first._connection is not None
        raw = await first._connection.get_raw_connection()
        raw.driver_connection.terminate()  # type: ignore[union-attr]  # as if the process died
        await asyncio.wait_for(second.acquired.wait(), 5)
        assert second.is_leader
    finally:
        await first.stop()
        await second.stop()
        await a.dispose()
        await b.dispose()
