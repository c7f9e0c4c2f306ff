"""What the dispatcher promises when things go wrong, on SQLite and PostgreSQL.

Each test reproduces a failure seen before: one chat's wait stalling every chat, one bad row
repeating a whole batch, a failed write-back re-sending, a 429 that only one task obeyed, a
timeout after sending that sent twice, a stop that waited for the whole backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.app import Services
from bot.core.replies import Reply
from bot.reminders.dispatcher import Dispatcher, RateLimited, Transient, Unanswered
from bot.reminders.limits import SendLimiter
from bot.reminders.loop import DispatchLoop
from bot.storage.models import Delivery, Subscriber, Subscription
from bot.storage.seed import seed
from bot.storage.store import ReminderStore
from tests.conftest import FakeClock


class Recorder:
    """Stands in for the chat platform's servers: what arrived, per chat, and when."""

    def __init__(self, fail: dict[str, list[Exception]] | None = None, delay: float = 0.0) -> None:
        self.chats: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.fail = fail or {}
        self.delay = delay

    async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
        await asyncio.sleep(self.delay)
        queued = self.fail.get(chat_id)
        if queued:
            raise queued.pop(0)
        self.chats[chat_id] += 1
        self.times.setdefault(chat_id, []).append(time.monotonic())


def dispatcher(services: Services, notifier: object, notifiers_platform: str = "bench",
               **options: object) -> Dispatcher:
    options.setdefault("limiter", SendLimiter.unlimited())
    return Dispatcher(services.store, services.catalogue, {notifiers_platform: notifier},  # type: ignore[dict-item]
                      services.clock, backoff=0.01, **options)  # type: ignore[arg-type]


async def rows(services: Services) -> list[Subscription]:
    async with services.store.session() as session:
        return list((await session.execute(select(Subscription).order_by(Subscription.id))).scalars())


# -- limits --------------------------------------------------------------------------------
async def test_one_chats_wait_does_not_stall_other_chats() -> None:
    limiter = SendLimiter(per_second=1000, per_chat_seconds=0.5)
    done: dict[str, float] = {}
    start = time.monotonic()

    async def send(chat: str, key: str) -> None:
        await limiter.acquire(chat)
        done[key] = time.monotonic() - start

    await asyncio.gather(*(send("busy", f"busy{i}") for i in range(3)),
                         *(send(f"c{i}", f"c{i}") for i in range(50)))
    busy = sorted(v for k, v in done.items() if k.startswith("busy"))
    assert busy[1] >= 0.5 and busy[2] >= 1.0  # the busy chat waits its turns: 0, 0.5, 1.0 s
    assert max(v for k, v in done.items() if k.startswith("c")) < 0.3  # nobody else waits for it


async def test_a_429_pauses_every_sender_on_the_token() -> None:
    limiter = SendLimiter(per_second=1000, per_chat_seconds=0.0)
    await limiter.acquire("a")
    limiter.pause(0.4)
    start = time.monotonic()
    await asyncio.gather(*(limiter.acquire(f"chat{i}") for i in range(10)))
    assert time.monotonic() - start >= 0.39


async def test_the_per_chat_map_is_pruned() -> None:
    now = [0.0]
    limiter = SendLimiter(per_second=10**9, monotonic=lambda: now[0])
    for i in range(3000):
        await limiter.acquire(str(i))
    now[0] = 10.0
    for i in range(1024):
        await limiter.acquire(f"later{i}")
    assert limiter.tracked_chats <= 1024 + 1024  # the first 3,000 chats are forgotten


async def test_a_rate_limited_send_is_not_a_failed_attempt_and_everyone_waits(services: Services,
                                                                            clock: FakeClock) -> None:
    await seed(services.engine, 20, lambda i: clock.now())
    notifier = Recorder(fail={"1": [RateLimited(0.3)]})
    limiter = SendLimiter(per_second=1000, per_chat_seconds=0.0)
    d = dispatcher(services, notifier, limiter=limiter, max_attempts=1)
    start = time.monotonic()
    assert await d.tick() == 20
    assert sum(notifier.chats.values()) == 20 and notifier.chats["1"] == 1
    assert d.stats.rate_limited == 1 and d.stats.failed_attempts == 0 and d.stats.deferred == 0
    assert limiter.pauses == 1
    # The chats sent after the 429 waited for it too.
    late = [t[0] - start for chat, t in notifier.times.items()]
    assert sum(1 for t in late if t >= 0.29) >= 1


# -- rows fail alone -----------------------------------------------------------------------
async def test_one_unknown_time_zone_parks_that_reminder_only(services: Services, clock: FakeClock) -> None:
    await seed(services.engine, 5, lambda i: clock.now())
    async with services.store.session() as session, session.begin():
        await session.execute(update(Subscriber).where(Subscriber.id == 3).values(timezone="Mars/Olympus_Mons"))
    notifier = Recorder()
    d = dispatcher(services, notifier)
    assert await d.tick() == 5
    assert set(notifier.chats) == {"1", "2", "4", "5"} and d.stats.parked == 1
    parked = next(r for r in await rows(services) if r.subscriber_id == 3)
    assert parked.next_due_at is None and parked.claimed_by is None
    assert parked.last_error and "Mars/Olympus_Mons" in parked.last_error
    clock.advance(minutes=2)
    assert await d.tick() == 0  # nothing repeats
    assert sum(notifier.chats.values()) == 4


async def test_a_parked_reminder_says_so_and_restarts(services: Services, clock: FakeClock) -> None:
    from bot.core.router import Caller

    ann = Caller("telegram", "42", "42", private=True)
    await services.router.command(ann, "remind", "water")
    async with services.store.session() as session, session.begin():
        await session.execute(update(Subscription).values(next_due_at=clock.now()))
        await session.execute(update(Subscriber).values(timezone="Mars/Olympus_Mons"))
    await dispatcher(services, Recorder(), notifiers_platform="telegram").tick()
    listing = (await services.router.command(ann, "reminders", "")).text
    assert "no longer know your saved time zone" in listing and "/timezone" in listing
    assert (await rows(services))[0].last_error  # parked, with its reason
    assert "Time zone set to Europe/Berlin" in (await services.router.command(ann, "timezone", "Berlin")).text
    listing = (await services.router.command(ann, "reminders", "")).text
    assert "Water: every 60 min, next" in listing
    assert (await rows(services))[0].last_error is None
    async with services.store.session() as session, session.begin():  # parked for another reason
        await session.execute(update(Subscription).values(next_due_at=None, last_error="cannot be rendered"))
    listing = (await services.router.command(ann, "reminders", "")).text
    assert "stopped after an error on my side" in listing and "/remind water on" in listing
    assert "next" in (await services.router.command(ann, "remind", "water on")).text


async def test_a_failed_write_back_does_not_resend(services: Services, clock: FakeClock,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    await seed(services.engine, 10, lambda i: clock.now())
    real_settle = ReminderStore.settle
    failures = [RuntimeError("database blip")]

    async def flaky_settle(self: ReminderStore, *args: object, **kwargs: object) -> None:
        if failures and kwargs.get("unsent_delivery_ids") is not None and args[1]:
            raise failures.pop()
        await real_settle(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ReminderStore, "settle", flaky_settle)
    notifier = Recorder()
    d = dispatcher(services, notifier)
    with contextlib.suppress(RuntimeError):  # raised if the failed write was the tick's last one
        await d.tick()
    assert sum(notifier.chats.values()) == 10 and not failures  # a write failed on the way
    clock.advance(seconds=30)
    await d.tick()  # the kept outcomes are written first
    clock.advance(minutes=5)  # past any lease
    await d.tick()
    assert set(notifier.chats.values()) == {1}
    assert all(r.next_due_at and r.next_due_at > clock.now() - timedelta(minutes=5) and r.claimed_by is None
               for r in await rows(services))


async def test_user_deleted_while_due_does_not_fail_the_batch(services: Services, clock: FakeClock) -> None:
    await seed(services.engine, 4, lambda i: clock.now() - timedelta(seconds=1) + timedelta(milliseconds=i))

    class Forgetting(Recorder):
        async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
            if chat_id == "1":  # /forget from user 3 arrives while the batch is out
                async with services.store.session() as session, session.begin():
                    await services.store.delete_user(session, 3)
            await super().send(chat_id, reply)

    notifier = Forgetting()
    d = dispatcher(services, notifier, concurrency=1)
    assert await d.tick() == 4  # the batch does not fail (a reminder already on its way may still arrive)
    assert {"1", "2", "4"} <= set(notifier.chats)
    assert [r.subscriber_id for r in await rows(services)] == [1, 2, 4]
    assert all(r.claimed_by is None and r.next_due_at and r.next_due_at > clock.now() for r in await rows(services))
    clock.advance(minutes=5)
    await d.tick()
    assert set(notifier.chats.values()) == {1}


# -- outcomes ------------------------------------------------------------------------------
async def test_a_timeout_after_sending_is_not_sent_again(services: Services, clock: FakeClock) -> None:
    await seed(services.engine, 3, lambda i: clock.now())
    notifier = Recorder(fail={"2": [Unanswered("no answer within 5 s")]})
    d = dispatcher(services, notifier)
    assert await d.tick() == 3
    clock.advance(minutes=2)
    assert await d.tick() == 0
    assert d.stats.unanswered == 1 and "2" not in notifier.chats
    async with services.store.session() as session:
        kept = (await session.execute(select(Delivery).where(Delivery.subscriber_id == 2))).scalars().all()
    assert len(kept) == 1  # its buttons still work: Telegram most likely showed it


async def test_a_connection_failure_is_retried(services: Services, clock: FakeClock) -> None:
    await seed(services.engine, 2, lambda i: clock.now())
    notifier = Recorder(fail={"2": [Transient("connection refused")]})
    d = dispatcher(services, notifier)
    await d.tick()
    assert notifier.chats == Counter({"1": 1, "2": 1}) and d.stats.failed_attempts == 1


# -- leases --------------------------------------------------------------------------------
async def test_leases_have_owners_and_are_renewed(services: Services, clock: FakeClock) -> None:
    await seed(services.engine, 3, lambda i: clock.now())
    store = services.store
    claimed = await store.claim_due(clock.now(), 10, timedelta(seconds=60), owner="a")
    assert len(claimed) == 3
    clock.advance(seconds=50)
    assert await store.renew("a", clock.now() + timedelta(seconds=60)) == 3
    clock.advance(seconds=30)  # past the first lease, inside the renewed one
    assert await store.claim_due(clock.now(), 10, timedelta(seconds=60), owner="b") == []
    # Another dispatcher's settle cannot touch a's rows.
    await store.settle("b", [(c, clock.now() + timedelta(hours=5), None) for c in claimed])
    assert all(r.claimed_by == "a" and r.next_due_at == claimed[0].due_at for r in await rows(services))
    await store.settle("a", [(c, clock.now() + timedelta(hours=1), None) for c in claimed])
    assert all(r.claimed_by is None and r.next_due_at == clock.now() + timedelta(hours=1)
               for r in await rows(services))


# -- stopping ------------------------------------------------------------------------------
async def test_a_stop_with_a_backlog_returns_at_once_and_loses_nothing(services: Services,
                                                                      clock: FakeClock) -> None:
    count = 2000
    await seed(services.engine, count, lambda i: clock.now())
    notifier = Recorder(delay=0.01)
    d = dispatcher(services, notifier, limiter=SendLimiter())  # Telegram's real 30/s
    loop = DispatchLoop(d, 0.05)
    loop.start()
    await asyncio.sleep(1.0)
    started = time.monotonic()
    await loop.stop()
    assert time.monotonic() - started < 3.0  # not the minute the backlog would take
    sent = sum(notifier.chats.values())
    assert 10 <= sent < 100 and d.stats.released > 0
    assert all(r.claimed_by is None for r in await rows(services))  # every lease given back
    after = Recorder()
    again = dispatcher(services, after)
    handled = 0
    while (n := await again.tick()) > 0:
        handled += n
    assert handled == count - sent and not set(after.chats) & set(notifier.chats)


# -- deliveries ----------------------------------------------------------------------------
async def test_old_delivery_rows_are_pruned(services: Services, clock: FakeClock) -> None:
    await seed(services.engine, 1, lambda i: clock.now())
    now = clock.now()
    async with services.store.session() as session, session.begin():
        for days, done in ((0, False), (3, False), (3, True), (500, True)):
            sent = now - timedelta(days=days)
            session.add(Delivery(subscriber_id=1, kind="water", tip_id="t", due_at=sent, sent_at=sent,
                                 done_at=sent if done else None))
    assert await services.store.prune_deliveries(now) == 2
    async with services.store.session() as session:
        kept = (await session.execute(select(Delivery.sent_at, Delivery.done_at))).all()
    assert sorted((now - s).days for s, _ in kept) == [0, 3]  # the fresh one and the one logged as done


# -- load spreading ------------------------------------------------------------------------
async def test_users_on_default_settings_are_spread_and_clock_times_stay_exact(services: Services,
                                                                               clock: FakeClock) -> None:
    from bot.core.router import Caller

    for i in range(300):
        caller = Caller("telegram", str(1000 + i), str(1000 + i), private=True)
        await services.router.command(caller, "remind", "water")
        await services.router.command(caller, "remind", "posture")
        await services.router.command(caller, "remind", "tip at 08:30")
    subs = await rows(services)
    water = [r.next_due_at for r in subs if r.kind == "water"]
    posture = {r.subscriber_id: r.next_due_at for r in subs if r.kind == "posture"}
    assert max(Counter(water).values()) <= 5  # not 300 users at one second (300 over 600 s: a few share one)
    assert max(water) - min(water) <= timedelta(minutes=10)  # but all within ten minutes of the slot
    # One user's water and posture fall together (one message), one slot apart from the window start.
    assert all(r.next_due_at == posture[r.subscriber_id] + timedelta(minutes=30) for r in subs if r.kind == "water")
    assert {r.next_due_at for r in subs if r.kind == "daily"} == {clock.now().replace(hour=8, minute=30)}


async def test_failures_in_a_row_back_off(services: Services, clock: FakeClock) -> None:
    await seed(services.engine, 1, lambda i: clock.now())
    notifier = Recorder(fail={"1": [Transient("down")] * 3})
    d = dispatcher(services, notifier, max_attempts=1)
    waits = []
    for _ in range(3):
        assert await d.tick() == 1
        row = (await rows(services))[0]
        assert row.claimed_until is not None and row.last_error
        waits.append((row.claimed_until - clock.now()).total_seconds())
        clock.set(row.claimed_until)
    assert waits == [30, 60, 120] and row.attempts == 3
    assert await d.tick() == 1 and notifier.chats["1"] == 1
    assert (await rows(services))[0].attempts == 0


async def test_a_users_reminders_due_together_are_claimed_together(services: Services, clock: FakeClock) -> None:
    from bot.core.router import Caller

    for user in ("1", "2"):
        caller = Caller("telegram", user, user, private=True)
        await services.router.command(caller, "remind", "water")
        await services.router.command(caller, "remind", "posture")
    async with services.store.session() as session, session.begin():
        await session.execute(update(Subscription).values(next_due_at=clock.now()))
    claimed = await services.store.claim_due(clock.now(), 1, timedelta(seconds=60), owner="a")
    assert len({c.subscriber_id for c in claimed}) == 1 and {c.kind for c in claimed} == {"water", "posture"}
