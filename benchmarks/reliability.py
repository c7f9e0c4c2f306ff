"""Reminder reliability benchmark: a working day and a herd in virtual time, a JobQueue
baseline, and a crash, a stop and a fail-over of real bot processes.

Usage:  .venv/bin/python benchmarks/reliability.py [--quick] [--pg postgresql://postgres@127.0.0.1:5432/test]
        [--only day,herd,jobqueue,crash,stop,failover]

Virtual time (``benchmarks/virtual_time.py``): the real store on PostgreSQL, the real
Dispatcher and SendLimiter (30/s, 1/s per chat) and a notifier that records what Telegram
would receive (each send answered after ``--latency`` seconds), on an event loop whose clock
leaps to the next timer whenever nothing is running. Database calls hold the leap, so they
take their real time; nine hours of reminders run in minutes.

Real time: ``python -m bot telegram`` processes against the fake Bot API
(``tests/fakebotapi.py``, Telegram's limits on: a request over 30/s or 1/s per chat gets 429)
on a PostgreSQL database of the benchmark's own, killed or stopped mid-burst.

``--quick`` divides every size by ten (a smoke run). The benchmark creates and drops the
database ``unknot_reliability``.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from benchmarks import virtual_time  # noqa: E402
from benchmarks.reminders import pg_reset as reminders_pg_reset  # noqa: E402
from bot.app import open_services  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core.replies import Reply  # noqa: E402
from bot.core.schedule import ALL_DAYS, Rule, Window, next_due, to_utc, zone_from_name  # noqa: E402
from bot.reminders.dispatcher import Dispatcher  # noqa: E402
from bot.reminders.limits import SendLimiter  # noqa: E402
from bot.storage.db import make_engine, migrate  # noqa: E402
from bot.storage.models import phase_for  # noqa: E402
from bot.storage.seed import seed  # noqa: E402
from bot.storage.store import SUBSCRIBERS, SUBSCRIPTIONS, Claimed, ReminderStore  # noqa: E402
from tests.fakebotapi import most_in_window  # noqa: E402

TOKEN = "123456:TEST-token-for-the-fake-api"
BENCH_DB = "unknot_reliability"
ZONE = "Europe/Berlin"
DAY = date(2026, 11, 24)  # a Tuesday, no DST change near it
KINDS = {"posture": 30, "water": 60, "stretch": 90}  # the defaults
IN_FLIGHT = 30  # the dispatcher's concurrency: the most a crash can re-send
LEASE = 60.0  # the dispatcher's lease (seconds)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Table:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, scenario: str, metric: str, value: str, target: str = "") -> None:
        self.rows.append((scenario, metric, value, target))
        print(f"  {scenario:<10} {metric:<52} {value:<34} {target}", flush=True)


# -- databases ------------------------------------------------------------------------------
async def pg_reset(admin_url: str) -> str:
    return await reminders_pg_reset(admin_url, BENCH_DB)


async def pg_drop(admin_url: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    finally:
        await conn.close()


def plain_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def copy_rows(url: str, users: list[dict[str, Any]], subs: list[dict[str, Any]]) -> None:
    """Bulk-load users and subscriptions (every column given) with COPY."""
    conn = await asyncpg.connect(plain_url(url))
    try:
        for name, table, rows in (("subscribers", SUBSCRIBERS, users), ("subscriptions", SUBSCRIPTIONS, subs)):
            columns = [c.name for c in table.columns]
            await conn.copy_records_to_table(name, records=[tuple(r[c] for c in columns) for r in rows],
                                             columns=columns)
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def user_row(uid: int, phase: int, timezone: str = ZONE) -> dict[str, Any]:
    person_id = str(100_000_000 + uid)
    return {"id": uid, "platform": "telegram", "person_id": person_id, "chat_id": person_id,
            "timezone": timezone, "window_start": "09:00", "window_end": "18:00", "days": "0123456",
            "paused_until": None, "stopped": False, "blocked": False,
            "created_at": datetime(2026, 1, 1, tzinfo=UTC), "phase_seconds": phase,
            "kind": "private", "thread_id": 0, "title": None, "blocked_reason": None}


def sub_row(sid: int, uid: int, kind: str, due: datetime | None, interval: int | None = None,
            at_time: str | None = None) -> dict[str, Any]:
    return {"id": sid, "subscriber_id": uid, "kind": kind, "enabled": True, "interval_minutes": interval,
            "at_time": at_time, "next_due_at": due, "claimed_until": None, "claimed_by": None, "attempts": 0,
            "shown_tips": "", "last_error": None}


# -- virtual time -------------------------------------------------------------------------------
class HeldStore(ReminderStore):
    """The real store; every call holds the virtual clock's leaps while PostgreSQL answers.

    Every coroutine method is wrapped, so a store method the dispatcher starts using later is
    held too (one that was not, ``record_messages``, let the clock leap while PostgreSQL
    answered: whole seconds passed with nothing sent, and the sends they delayed bunched up)."""

    def __getattribute__(self, name: str) -> Any:
        attribute = super().__getattribute__(name)
        if name.startswith("_") or not inspect.iscoroutinefunction(attribute):
            return attribute

        async def held(*args: Any, **kwargs: Any) -> Any:
            with virtual_time.hold():
                return await attribute(*args, **kwargs)

        return held


class VirtualClock:
    """``start`` plus the loop's virtual seconds since ``begin()``."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.loop = asyncio.get_running_loop()
        self.t0 = self.loop.time()

    def begin(self) -> None:
        self.t0 = self.loop.time()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.loop.time() - self.t0)


class RecordingTelegram:
    """What Telegram would receive: (virtual time, chat) per sendMessage, answered after ``latency``."""

    def __init__(self, latency: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.latency = latency
        self.sends: list[tuple[float, str]] = []

    async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
        self.sends.append((self.loop.time(), chat_id))
        await asyncio.sleep(self.latency)

    def limits_broken(self) -> tuple[int, int, float]:
        """(most sends in any one second, sends to a chat less than 1 s after its previous one,
        the shortest gap in one chat)."""
        times = [t for t, _ in self.sends]
        last: dict[str, float] = {}
        too_soon, shortest = 0, float("inf")
        for moment, chat in self.sends:
            if chat in last:
                gap = moment - last[chat]
                shortest = min(shortest, gap)
                too_soon += gap < 1.0
            last[chat] = moment
        return most_in_window(times), too_soon, shortest


@dataclass
class Sent:
    due: datetime
    at: datetime
    chat: str
    message: int  # which message carried it (reminders coalesced into one share it)


async def virtual_run(url: str, start: datetime, end: Callable[[datetime, int], bool], latency: float,
                      load: Callable[[], Any]) -> tuple[list[Sent], RecordingTelegram, Dispatcher, float]:
    """Load the data, then tick the real dispatcher every virtual second from ``start`` until
    ``end(now, sent)``; return what was sent, the recorder, the dispatcher and the real seconds."""
    loop = asyncio.get_running_loop()
    with virtual_time.hold():
        await load()
        services = await open_services(Settings(database_url=url), None)
    clock = VirtualClock(start)
    store = HeldStore(services.engine)
    telegram = RecordingTelegram(latency)
    sent: list[Sent] = []
    last_part: dict[str, tuple[float, int]] = {}
    messages = 0

    def on_sent(claimed: Claimed, at: datetime) -> None:
        nonlocal messages
        moment = at.timestamp()
        previous = last_part.get(claimed.chat_id)
        if previous is not None and moment - previous[0] < 0.5:
            number = previous[1]  # another part of the same message (a chat waits 1 s between messages)
        else:
            messages += 1
            number = messages
        last_part[claimed.chat_id] = (moment, number)
        sent.append(Sent(claimed.due_at, at, claimed.chat_id, number))

    dispatcher = Dispatcher(store, services.catalogue, {"telegram": telegram}, clock,  # type: ignore[dict-item]
                            grace=timedelta(minutes=10), limiter=SendLimiter(monotonic=loop.time),
                            on_sent=on_sent)
    real_started = time.perf_counter()
    clock.begin()
    tick: asyncio.Future[int] | None = None
    while not end(clock.now(), len(sent)):
        if tick is None or tick.done():
            if tick is not None and tick.exception() is not None:
                raise tick.exception()  # type: ignore[misc]
            tick = asyncio.ensure_future(dispatcher.tick())
        await asyncio.sleep(1.0)
    dispatcher.stop_claiming()
    if tick is not None:
        await tick
    real = time.perf_counter() - real_started
    with virtual_time.hold():
        await services.close()
    return sent, telegram, dispatcher, real


def day_schedule(users: int, phased: bool = True) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                            dict[str, list[datetime]]]:
    """Users on the default reminders, and every time each kind is due between 09:00 and 18:00."""
    zone = zone_from_name(ZONE)
    window = Window(clock_time(9), clock_time(18), ALL_DAYS)
    opens = to_utc(datetime.combine(DAY, clock_time(9)), zone)
    closes = to_utc(datetime.combine(DAY, clock_time(18)), zone)
    user_rows, sub_rows = [], []
    dues: dict[str, list[datetime]] = defaultdict(list)
    for uid in range(1, users + 1):
        phase = phase_for("telegram", str(100_000_000 + uid)) if phased else 0
        user_rows.append(user_row(uid, phase))
        for k, (kind, minutes) in enumerate(KINDS.items()):
            rule = Rule(kind, interval_minutes=minutes)
            due = next_due(rule, window, zone, opens, phase=timedelta(seconds=phase))
            sub_rows.append(sub_row(uid * 3 + k, uid, kind, due, interval=minutes))
            while due is not None and due <= closes:
                dues[kind].append(due)
                due = next_due(rule, window, zone, due, phase=timedelta(seconds=phase))
    return user_rows, sub_rows, dues


def slot_of(moment: datetime) -> datetime:
    local = moment.astimezone(zone_from_name(ZONE))
    return local.replace(minute=local.minute // 30 * 30, second=0, microsecond=0)


def jobqueue_bursts(users: int) -> dict[datetime, dict[str, float]]:
    """The same users on PTB's JobQueue: one run_repeating job per user and kind at the default
    times (no phase, one message per job). Fire times come from the jobs' own APScheduler
    triggers; each burst drains at 30/s in the order the jobs fire, as AIORateLimiter sends them.
    """
    from telegram.ext import Application

    zone = zone_from_name(ZONE)
    application = Application.builder().token(TOKEN).build()
    assert application.job_queue is not None

    async def remind(context: Any) -> None:  # never runs: only the triggers are read
        pass

    opens = datetime.combine(DAY, clock_time(9), zone)
    last = datetime.combine(DAY, clock_time(18), zone)
    fires: dict[datetime, list[int]] = defaultdict(list)
    started = time.perf_counter()
    jobs = []
    for uid in range(1, users + 1):
        for minutes in KINDS.values():
            jobs.append((uid, application.job_queue.run_repeating(
                remind, interval=timedelta(minutes=minutes), first=opens + timedelta(minutes=minutes), last=last,
                chat_id=100_000_000 + uid, user_id=100_000_000 + uid)))
    setup = time.perf_counter() - started
    for uid, job in jobs:
        trigger = job.job.trigger
        moment = trigger.get_next_fire_time(None, opens)
        while moment is not None:
            fires[moment].append(uid)
            moment = trigger.get_next_fire_time(moment, moment)
    rng = random.Random(7)
    bursts: dict[datetime, dict[str, float]] = {}
    for moment, chats in sorted(fires.items()):
        rng.shuffle(chats)  # jobs due at the same second fire in no particular order
        # Message i goes out at i/30 s; a chat's second message inside one second breaks
        # Telegram's 1/s per chat limit (AIORateLimiter does not pace private chats).
        position: dict[int, int] = {}
        too_soon = 0
        for i, chat in enumerate(chats):
            if chat in position and i - position[chat] < 30:
                too_soon += 1
            position[chat] = i
        n = len(chats)
        bursts[slot_of(moment)] = {"burst": n, "drain": n / 30, "p50": pct([i / 30 for i in range(n)], 0.5),
                                   "p99": pct([i / 30 for i in range(n)], 0.99), "too_soon": too_soon,
                                   "setup": setup}
    return bursts


async def working_day(url: str, users: int, latency: float, table: Table, until_hour: int = 18) -> None:
    """The day from 09:00 to ``until_hour`` (a quick run stops at 12:00) and 15 minutes more."""
    zone = zone_from_name(ZONE)
    user_rows, sub_rows, dues = day_schedule(users)
    start = to_utc(datetime.combine(DAY, clock_time(9)), zone)
    stop_at = to_utc(datetime.combine(DAY, clock_time(until_hour, 15)), zone)
    dues = {kind: [d for d in moments if d < stop_at] for kind, moments in dues.items()}

    async def load() -> None:
        engine = make_engine(url)
        await migrate(engine)
        await engine.dispose()
        await copy_rows(url, user_rows, sub_rows)

    sent, telegram, dispatcher, real = await virtual_run(url, start, lambda now, _: now >= stop_at, latency, load)
    due_by_slot: dict[datetime, int] = defaultdict(int)
    for moments in dues.values():
        for moment in moments:
            due_by_slot[slot_of(moment)] += 1
    by_slot: dict[datetime, list[Sent]] = defaultdict(list)
    for s in sent:
        by_slot[slot_of(s.due)].append(s)
    baseline = {slot: burst for slot, burst in jobqueue_bursts(users).items()
                if (slot.hour, slot.minute) <= (until_hour, 0)}
    print(f"\n  Working day, {users:,} users in {ZONE}, posture/water/stretch on defaults, 09:00-{until_hour}:15, "
          f"30/s and 1/s per chat, Telegram answering in {latency:.2f} s ({real:.0f} s real time)")
    header = (f"  {'slot':<6} {'due':>6} {'sent':>6} {'coal.':>6} {'skip':>5} {'drain s':>8} {'msg/s':>6} "
              f"{'p50 s':>6} {'p99 s':>6} | {'JobQueue burst':>14} {'drain s':>8} {'p99 s':>6} {'>1/s chat':>9}")
    print(header)
    all_late: list[float] = []
    total_due = total_sent = total_messages = 0
    worst_p99 = 0.0
    for slot in sorted(set(due_by_slot) | set(by_slot)):
        rows = by_slot.get(slot, [])
        late = [(s.at - s.due).total_seconds() for s in rows]
        all_late += late
        messages = len({s.message for s in rows})
        due = due_by_slot.get(slot, 0)
        drain = max((s.at for s in rows), default=slot) - min((s.due for s in rows), default=slot)
        seconds = drain.total_seconds()
        total_due, total_sent, total_messages = total_due + due, total_sent + len(rows), total_messages + messages
        worst_p99 = max(worst_p99, pct(late, 0.99) if late else 0.0)
        jq = baseline.get(slot, {})
        print(f"  {slot:%H:%M}  {due:>6,} {len(rows):>6,} {len(rows) - messages:>6,} {due - len(rows):>5,} "
              f"{seconds:>8.0f} {messages / seconds if seconds else 0:>6.1f} {pct(late, 0.5):>6.1f} "
              f"{pct(late, 0.99):>6.1f} | {jq.get('burst', 0):>14,.0f} {jq.get('drain', 0):>8.0f} "
              f"{jq.get('p99', 0):>6.0f} {jq.get('too_soon', 0):>9,.0f}")
    most, too_soon, shortest = telegram.limits_broken()
    stats = dispatcher.stats
    name = "day"
    table.add(name, f"{users:,} users: reminders due / sent / skipped late", f"{total_due:,} / {total_sent:,} / "
              f"{stats.skipped_late:,}", "skipped 0")
    table.add(name, "messages sent (reminders coalesced into them)", f"{total_messages:,} ({stats.coalesced:,})")
    table.add(name, "lateness p50 / p99 / max, whole day", f"{pct(all_late, 0.5):.1f} s / {pct(all_late, 0.99):.1f} s "
              f"/ {max(all_late, default=0):.1f} s", "p99 < 60 s")
    table.add(name, "worst burst's p99 lateness", f"{worst_p99:.1f} s", "< 60 s")
    table.add(name, "most sends in one second; chat gaps under 1 s", f"{most}; {too_soon} (shortest {shortest:.2f} s)",
              "<= 30; 0")
    table.add(name, "dispatcher: deferred / rate limited / parked", f"{stats.deferred} / {stats.rate_limited} / "
              f"{stats.parked}")
    jq_total = sum(b["burst"] for b in baseline.values())
    jq_worst = max(baseline.values(), key=lambda b: b["burst"])
    table.add("jobqueue", f"same {users:,} users on PTB JobQueue: messages to {until_hour}:00", f"{jq_total:,.0f} "
              f"({len(baseline)} bursts, each at one second)")
    table.add("jobqueue", "largest burst at :00, drain at 30/s, p99 lateness", f"{jq_worst['burst']:,.0f} msgs, "
              f"{jq_worst['drain']:.0f} s, {jq_worst['p99']:.0f} s", "vs Unknot's row above")
    table.add("jobqueue", "messages breaking 1/s per chat (would get 429)",
              f"{sum(b['too_soon'] for b in baseline.values()):,.0f}")
    table.add("jobqueue", f"set-up of its {users * 3:,} jobs (repeated at every restart)",
              f"{jq_worst['setup']:.2f} s")


async def herd(url: str, count: int, latency: float, table: Table) -> None:
    zone = zone_from_name(ZONE)
    nine = to_utc(datetime.combine(DAY, clock_time(9)), zone)
    start = nine - timedelta(seconds=5)
    give_up = nine + timedelta(hours=1, minutes=15)

    async def load() -> None:
        engine = make_engine(url)
        await migrate(engine)
        await engine.dispose()
        await copy_rows(url, [user_row(uid, phase_for("telegram", str(100_000_000 + uid))) for uid in
                              range(1, count + 1)],
                        [sub_row(uid, uid, "daily", nine, at_time="09:00") for uid in range(1, count + 1)])

    sent, telegram, dispatcher, real = await virtual_run(
        url, start, lambda now, sent: now >= give_up or sent >= count, latency, load)
    late = [(s.at - s.due).total_seconds() for s in sent]
    first = min(t for t, _ in telegram.sends)
    last = max(t for t, _ in telegram.sends)
    rate = (len(telegram.sends) - 1) / (last - first)
    most, too_soon, _ = telegram.limits_broken()
    floor = count / 30
    name = "herd"
    print(f"\n  Herd: {count:,} daily tips at 09:00 ({real:.0f} s real time)")
    table.add(name, f"{count:,} due at 09:00: sent / skipped past grace (1 h)", f"{len(sent):,} / "
              f"{dispatcher.stats.skipped_late:,}", "skipped 0")
    table.add(name, "drain rate (first to last send)", f"{rate:.1f} msg/s over {last - first:.0f} s", ">= 28.5")
    table.add(name, "lateness p50 / p99 / max", f"{pct(late, 0.5):.0f} s / {pct(late, 0.99):.0f} s / "
              f"{max(late):.0f} s", f"floor {floor:.0f} s at 30/s")
    table.add(name, "most sends in one second; chat gaps under 1 s", f"{most}; {too_soon}", "<= 30; 0")


# -- real processes --------------------------------------------------------------------------------
class FakeTelegram:
    """The standalone fake Bot API (``python -m tests.fakebotapi --limits``) in a process of its own."""

    def __init__(self, latency: float) -> None:
        args = [sys.executable, "-m", "tests.fakebotapi", "--limits", "--send-delay", str(latency)]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.base = f"http://127.0.0.1:{self.proc.stdout.readline().strip()}"
        self.client = httpx.Client(timeout=10)

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.client.get(f"{self.base}/_stats").json()
        return result

    def repeats_before(self, moment: float) -> float | None:
        """How long before ``moment`` (seconds since the first send, as ``send_seconds``) the
        first copy of a repeated message went out, at most; None if nothing was repeated."""
        first: dict[Any, float] = {}
        lags = []
        for at, chat in self.client.get(f"{self.base}/_sends").json():
            if chat in first:
                lags.append(moment - first[chat])
            else:
                first[chat] = at
        return max(lags) if lags else None

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(10)


class BotProcess:
    def __init__(self, api: FakeTelegram, url: str, workdir: Path, name: str) -> None:
        self.log = workdir / f"{name}.log"
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_BASE_URL": f"{api.base}/bot", "DATABASE_URL": url,
               "UNKNOT_DATA_DIR": str(workdir / "data"), "LOG_LEVEL": "INFO"}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], cwd=workdir, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)

    def says(self, text: str) -> bool:
        return text in self.log.read_text(errors="replace") if self.log.exists() else False

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    async def terminate(self, timeout: float = 30.0) -> tuple[float, int | None]:
        """SIGTERM; (seconds until the process exited, its exit code or None if it did not)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        while self.proc.poll() is None and time.monotonic() - started < timeout:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        seconds = time.monotonic() - started
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
            return seconds, None
        return seconds, self.proc.returncode


async def until(check: Callable[[], bool], timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(every)
    return check()


async def seed_due_now(admin: str, count: int) -> str:
    url = await pg_reset(admin)
    engine = make_engine(url)
    await migrate(engine)
    due = datetime.now(UTC) - timedelta(seconds=2)
    await seed(engine, count, lambda i: due, platform="telegram", kind="water",
               chat_id=lambda uid: str(10_000_000 + uid))
    await engine.dispose()
    return url


async def leases_held(url: str) -> int:
    conn = await asyncpg.connect(plain_url(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM subscriptions WHERE claimed_by IS NOT NULL"))
    finally:
        await conn.close()


def delivery_rows(stats: dict[str, Any], count: int) -> tuple[int, int, int]:
    """(lost, extra messages, chats that got theirs twice or more)."""
    return count - stats["distinct_chats"], stats["duplicates"], stats["chats_twice_or_more"]


def repeats(lag: float | None) -> str:
    return "nothing repeated" if lag is None else f"first copies at most {lag:.2f} s before the kill"


async def crash(admin: str, count: int, latency: float, workdir: Path, table: Table) -> None:
    url = await seed_due_now(admin, count)
    api = FakeTelegram(latency)
    try:
        first = BotProcess(api, url, workdir, "crash-first")
        # Polled often, so the kill lands while the limiter's last burst is still being answered.
        await until(lambda: api.stats()["sent"] >= count // 3, count / 20 + 60, every=0.005)
        first.kill()
        killed_at = time.monotonic()
        at_kill, kill_moment = api.stats()["sent"], api.stats()["send_seconds"]
        await asyncio.sleep(5)
        second = BotProcess(api, url, workdir, "crash-second")
        everyone = await until(lambda: api.stats()["distinct_chats"] >= count, count / 25 + LEASE + 120)
        done_in = time.monotonic() - killed_at
        await second.terminate()
        stats = api.stats()
        lag = api.repeats_before(kill_moment)
    finally:
        api.close()
    lost, extra, twice = delivery_rows(stats, count)
    name = "crash"
    table.add(name, f"{count:,} due at once, SIGKILL at {at_kill:,} received, restart 5 s later",
              f"all delivered {done_in:.0f} s after the kill" if everyone else "NOT all delivered")
    table.add(name, "lost / extra messages (chats that got it twice)", f"{lost} / {extra} ({twice})",
              f"0 / <= {IN_FLIGHT}")
    table.add(name, "the repeated ones", repeats(lag), "in flight at the kill")
    table.add(name, "429s from the fake API (over 30/s, over 1/s a chat)",
              f"{stats['rejected_429_overall']}, {stats['rejected_429_per_chat']}", "0, 0")
    table.add(name, "most sendMessage attempts in one second", str(stats["most_attempted_in_one_second"]), "<= 30")


async def stop(admin: str, count: int, latency: float, workdir: Path, table: Table) -> None:
    url = await seed_due_now(admin, count)
    api = FakeTelegram(latency)
    try:
        first = BotProcess(api, url, workdir, "stop-first")
        await until(lambda: api.stats()["sent"] >= count // 10, count / 20 + 60)
        exit_seconds, code = await first.terminate()
        at_stop = api.stats()["sent"]
        held = await leases_held(url)
        restarted = time.monotonic()
        second = BotProcess(api, url, workdir, "stop-second")
        resumed = await until(lambda: api.stats()["sent"] > at_stop, 60, every=0.05)
        resumed_in = time.monotonic() - restarted
        everyone = await until(lambda: api.stats()["distinct_chats"] >= count, count / 25 + 120)
        second_exit, second_code = await second.terminate()
        stats = api.stats()
    finally:
        api.close()
    lost, extra, twice = delivery_rows(stats, count)
    name = "stop"
    table.add(name, f"{count:,} due at once, SIGTERM at {at_stop:,} received: exit in",
              f"{exit_seconds:.1f} s (code {code})", "<= 10 s")
    table.add(name, "leases still held after the stop", str(held), "0")
    table.add(name, "restart: first send after", f"{resumed_in:.1f} s" if resumed else "none in 60 s",
              f"< {LEASE:.0f} s (no lease wait)")
    table.add(name, "lost / extra messages (chats twice) after the restart", f"{lost} / {extra} ({twice})"
              + ("" if everyone else " (timed out)"), "0 / 0")
    table.add(name, "second stop, with nothing due: exit in", f"{second_exit:.1f} s (code {second_code})",
              "<= 10 s")


async def failover(admin: str, count: int, latency: float, workdir: Path, table: Table) -> None:
    url = await seed_due_now(admin, count)
    api = FakeTelegram(latency)
    name = "failover"
    active_line = "this instance is now the active one"
    try:
        a = BotProcess(api, url, workdir, "failover-a")
        await until(lambda: api.stats()["sent"] > 0, 60)
        b = BotProcess(api, url, workdir, "failover-b")
        await until(lambda: b.says("standing by") or b.says(active_line), 20)
        leader_code = a.says(active_line)
        await until(lambda: api.stats()["sent"] >= count // 3, count / 20 + 60, every=0.005)
        a.kill()
        killed_at = time.monotonic()
        at_kill, kill_moment = api.stats()["sent"], api.stats()["send_seconds"]
        took_over = await until(lambda: b.says(active_line), 30, every=0.05)
        takeover = time.monotonic() - killed_at
        resumed = await until(lambda: api.stats()["sent"] > at_kill + IN_FLIGHT, 60, every=0.05)
        resumed_in = time.monotonic() - killed_at
        everyone = await until(lambda: api.stats()["distinct_chats"] >= count, count / 25 + LEASE + 120)
        done_in = time.monotonic() - killed_at
        await b.terminate()
        stats = api.stats()
        lag = api.repeats_before(kill_moment)
    finally:
        api.close()
    lost, extra, twice = delivery_rows(stats, count)
    if not leader_code:
        table.add(name, "NOTE: no active-instance lock in this build", "both instances claimed and sent")
    table.add(name, f"{count:,} due, 2 instances, active one SIGKILLed at {at_kill:,}",
              f"standby active after {takeover:.1f} s" if took_over else "standby never said it took over")
    table.add(name, "sending again after the kill / all delivered after",
              (f"{resumed_in:.1f} s" if resumed else "no") + " / " + (f"{done_in:.0f} s" if everyone else "never"))
    table.add(name, "lost / extra messages (chats that got it twice)", f"{lost} / {extra} ({twice})",
              f"0 / <= {IN_FLIGHT}")
    table.add(name, "the repeated ones", repeats(lag), "in flight at the kill")
    table.add(name, "most sendMessage attempts / accepted in one second",
              f"{stats['most_attempted_in_one_second']} / {stats['most_sent_in_one_second']}", "<= 30")
    table.add(name, "429s from the fake API (over 30/s, over 1/s a chat)",
              f"{stats['rejected_429_overall']}, {stats['rejected_429_per_chat']}", "0, 0")


# -- main ----------------------------------------------------------------------------------------
SCENARIOS = ("day", "herd", "jobqueue", "crash", "stop", "failover")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sizes divided by ten")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="an admin URL; the benchmark creates and drops its own database")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"a comma list of {', '.join(SCENARIOS)}")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds Telegram takes to answer a send")
    args = parser.parse_args(None if argv is None else list(argv))
    scale = 10 if args.quick else 1
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    table = Table()
    workdir = Path(tempfile.mkdtemp(prefix="unknot-reliability-"))
    print(f"Unknot reliability benchmark ({'quick' if args.quick else 'full'} run), {os.cpu_count()} CPUs, "
          f"logs in {workdir}", flush=True)
    if "day" in only or "jobqueue" in only:
        url = asyncio.run(pg_reset(args.pg))
        if "day" in only:
            virtual_time.run(working_day(url, 10_000 // scale, args.latency, table, 12 if args.quick else 18))
        else:
            baseline = jobqueue_bursts(10_000 // scale)
            worst = max(baseline.values(), key=lambda b: b["burst"])
            table.add("jobqueue", "largest burst at :00, drain at 30/s, p99 lateness",
                      f"{worst['burst']:,.0f} msgs, {worst['drain']:.0f} s, {worst['p99']:.0f} s")
    if "herd" in only:
        url = asyncio.run(pg_reset(args.pg))
        virtual_time.run(herd(url, 20_000 // scale, args.latency, table))
    if "crash" in only:
        asyncio.run(crash(args.pg, 5_000 // scale, args.latency, workdir, table))
    if "stop" in only:
        asyncio.run(stop(args.pg, 10_000 // scale, args.latency, workdir, table))
    if "failover" in only:
        asyncio.run(failover(args.pg, 5_000 // scale, args.latency, workdir, table))
    asyncio.run(pg_drop(args.pg))
    print("\n| scenario | metric | result | target |\n| --- | --- | --- | --- |")
    for scenario, metric, value, target in table.rows:
        print(f"| {scenario} | {metric} | {value} | {target} |")


if __name__ == "__main__":
    main()
