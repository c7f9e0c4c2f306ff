"""Several dispatchers sharing one database send every due reminder exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import open_services
from bot.config import Settings
from bot.core.replies import Reply
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.limits import SendLimiter
from bot.storage.models import Delivery, Subscription
from bot.storage.seed import seed
from tests.conftest import FakeClock

COUNT = 3000


class CountingNotifier:
    """Stands in for the chat platform's servers: records each chat a message went to."""

    def __init__(self) -> None:
        self.chats: Counter[str] = Counter()

    async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
        await asyncio.sleep(0)
        self.chats[chat_id] += 1


async def test_two_dispatchers_send_each_reminder_exactly_once(settings: Settings, database_url: str,
                                                              clock: FakeClock) -> None:
    settings = replace(settings, database_url=database_url)
    first = await open_services(settings, clock)
    second = await open_services(settings, clock)  # a second bot instance: its own engine and pool
    try:
        due = clock.now() - timedelta(seconds=30)
        await seed(first.engine, COUNT, lambda i: due + timedelta(milliseconds=i))
        notifier = CountingNotifier()
        unlimited = {"per_second": 1_000_000, "per_chat_seconds": 0.0}
        dispatchers = [
            Dispatcher(s.store, s.catalogue, {"bench": notifier}, clock, batch_size=200,
                       limiter=SendLimiter(**unlimited))  # type: ignore[arg-type]
            for s in (first, second)
        ]
        handled = await asyncio.gather(*(d.tick() for d in dispatchers))
        assert sum(handled) == COUNT
        assert all(h > 0 for h in handled), handled  # both took part
        assert len(notifier.chats) == COUNT and set(notifier.chats.values()) == {1}
        async with first.store.session() as session:
            deliveries = (await session.execute(select(func.count()).select_from(Delivery))).scalar_one()
            leased = (await session.execute(select(func.count()).select_from(Subscription)
                                            .where(Subscription.claimed_until.is_not(None)))).scalar_one()
            next_due = (await session.execute(select(func.min(Subscription.next_due_at)))).scalar_one()
        assert deliveries == COUNT and leased == 0
        assert next_due is not None and next_due > clock.now()
        assert sum(await asyncio.gather(*(d.tick() for d in dispatchers))) == 0
    finally:
        await first.close()
        await second.close()


async def test_a_crashed_dispatchers_lease_runs_out(settings: Settings, database_url: str,
                                                   clock: FakeClock) -> None:
    services = await open_services(replace(settings, database_url=database_url), clock)
    try:
        await seed(services.engine, 10, lambda i: clock.now())
        claimed = await services.store.claim_due(clock.now(), 100, timedelta(minutes=5))
        assert len(claimed) == 10  # ... and then this dispatcher dies without settling
        notifier = CountingNotifier()
        dispatcher = Dispatcher(services.store, services.catalogue, {"bench": notifier}, clock,
                                grace=timedelta(minutes=10))
        assert await dispatcher.tick() == 0
        clock.advance(minutes=5, seconds=1)
        assert await dispatcher.tick() == 10
        assert len(notifier.chats) == 10
    finally:
        await services.close()


async def test_claim_takes_the_most_overdue_first_and_nothing_early(settings: Settings, database_url: str,
                                                                   clock: FakeClock) -> None:
    services = await open_services(replace(settings, database_url=database_url), clock)
    try:
        now = clock.now()
        await seed(services.engine, 10, lambda i: now + timedelta(minutes=5 - i))  # 5 min ahead … 4 min ago
        claimed = await services.store.claim_due(now, 3, timedelta(minutes=5))
        assert [c.due_at for c in claimed] == [now - timedelta(minutes=m) for m in (4, 3, 2)]
        rest = await services.store.claim_due(now, 100, timedelta(minutes=5))
        assert [c.due_at for c in rest] == [now - timedelta(minutes=1), now]
    finally:
        await services.close()


class SlowNotifier(CountingNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()

    async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
        self.started.set()
        await asyncio.sleep(0.3)
        await super().send(chat_id, reply)


async def test_stopping_mid_batch_settles_what_was_sent_and_releases_the_rest(settings: Settings,
                                                                             clock: FakeClock) -> None:
    from bot.reminders.loop import DispatchLoop

    services = await open_services(settings, clock)
    try:
        await seed(services.engine, 3, lambda i: clock.now())
        notifier = SlowNotifier()
        loop = DispatchLoop(Dispatcher(services.store, services.catalogue, {"bench": notifier}, clock), 0.05)
        loop.start()
        await asyncio.wait_for(notifier.started.wait(), 5)
        await loop.stop()  # while the batch is out
        sent = set(notifier.chats)
        assert sent and all(n == 1 for n in notifier.chats.values())
        async with services.store.session() as session:
            rows = (await session.execute(select(Subscription))).scalars().all()
        assert all(r.claimed_until is None and r.claimed_by is None for r in rows)  # nothing stays leased
        for row in rows:
            if str(row.subscriber_id) in sent:
                assert row.next_due_at and row.next_due_at > clock.now()
            else:
                assert row.next_due_at == clock.now()  # still due: a restart sends it at once
        after = CountingNotifier()
        restarted = Dispatcher(services.store, services.catalogue, {"bench": after}, clock)
        assert await restarted.tick() == 3 - len(sent)
        assert not set(after.chats) & sent
    finally:
        await services.close()


async def test_a_process_claims_only_the_platforms_it_can_send(settings: Settings, database_url: str,
                                                              clock: FakeClock) -> None:
    """The console on the same database as the Telegram bot leaves Telegram's reminders alone:
    before, it leased them for a minute and burnt part of their grace window."""
    services = await open_services(replace(settings, database_url=database_url), clock)
    try:
        now = clock.now()
        await seed(services.engine, 5, lambda i: now, platform="telegram", chat_id=lambda i: f"t{i}")
        await seed(services.engine, 3, lambda i: now, platform="console", chat_id=lambda i: f"c{i}")
        notifier = CountingNotifier()
        console = Dispatcher(services.store, services.catalogue, {"console": notifier}, clock)
        assert await console.tick() == 3
        assert sorted(notifier.chats) == ["c6", "c7", "c8"]
        async with services.store.session() as session:
            leased = (await session.execute(select(func.count()).select_from(Subscription)
                                            .where(Subscription.claimed_until.is_not(None)))).scalar_one()
        assert leased == 0  # Telegram's five stay due and unleased for the Telegram process
        telegram = await services.store.claim_due(now, 100, timedelta(minutes=1), platforms=["telegram"])
        assert len(telegram) == 5 and {c.platform for c in telegram} == {"telegram"}
    finally:
        await services.close()
