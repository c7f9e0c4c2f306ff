"""Reminder engine benchmark: claim cost, memory, throughput, lateness, and a JobQueue baseline.

Usage:  .venv/bin/python benchmarks/reminders.py [--quick] [--pg postgresql://postgres@127.0.0.1:5432/test]

Runs on SQLite and on PostgreSQL and prints a table. ``--quick`` shrinks every size tenfold
(for a smoke run; the README's figures come from a full run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bot.app import open_services  # noqa: E402
from bot.config import Secret, Settings  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from bot.reminders.dispatcher import Dispatcher  # noqa: E402
from bot.reminders.limits import SendLimiter  # noqa: E402
from bot.reminders.loop import DispatchLoop  # noqa: E402
from bot.storage.db import make_engine, migrate  # noqa: E402
from bot.storage.seed import seed  # noqa: E402
from bot.storage.store import ReminderStore  # noqa: E402

TOKEN = "123456:TEST-token-for-the-fake-api"
BENCH_DB = "unknot_bench"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- databases ----------------------------------------------------------------------------
async def pg_reset(admin_url: str, name: str = BENCH_DB) -> str:
    """Drop and create the benchmark's own database; returns its SQLAlchemy URL."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"


async def fresh_db(backend: str, admin_url: str, workdir: Path, tag: str) -> str:
    if backend == "sqlite":
        path = workdir / f"{tag}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 - set-up, not timed
        return f"sqlite+aiosqlite:///{path}"
    return await pg_reset(admin_url)


# -- 1. claim cost --------------------------------------------------------------------------
async def claim_cost(url: str, stored: int, rounds: int = 5) -> tuple[float, float]:
    """Median ms to claim 1,000 due among ``stored`` subscriptions; and the seeding time (s)."""
    engine = make_engine(url)
    await migrate(engine)
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    due_now = 1000 * rounds
    started = time.perf_counter()
    # ``due_now`` are overdue by up to a minute, the rest spread over the next 24 hours.
    await seed(engine, stored, lambda i: now - timedelta(milliseconds=i) if i < due_now
               else now + timedelta(seconds=(i * 86_400) / stored))
    seeded = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE subscriptions")
    store = ReminderStore(engine)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        claimed = await store.claim_due(now, 1000, timedelta(minutes=5))
        times.append((time.perf_counter() - t0) * 1000)
        assert len(claimed) == 1000, len(claimed)
    await engine.dispose()
    return statistics.median(times), seeded


# -- 2. memory --------------------------------------------------------------------------------
def child_memory(url: str) -> dict[str, float]:
    """RSS of a fresh bot process (services open, dispatcher ticking) on ``url``."""
    code = f"""
import asyncio, json, sys
sys.path.insert(0, {str(ROOT)!r})
from dataclasses import replace
from benchmarks.reminders import rss_mb
from bot.app import open_services
from bot.config import Settings
from bot.reminders.dispatcher import Dispatcher

async def main():
    t0 = __import__("time").perf_counter()
    services = await open_services(replace(Settings.from_env({{}}), database_url={url!r}))
    dispatcher = services.dispatcher({{}})
    await dispatcher.tick()
    ready = __import__("time").perf_counter() - t0
    print(json.dumps({{"rss_mb": rss_mb(), "ready_s": ready}}))
    await services.close()

asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- 3, 4. throughput and lateness against the fake Bot API -------------------------------------
def start_fake_api(limits: bool) -> tuple[subprocess.Popen[str], str]:
    args = [sys.executable, "-m", "tests.fakebotapi"] + (["--limits"] if limits else [])
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    return proc, f"http://127.0.0.1:{port}"


async def throughput(url: str, count: int, limits: bool, spread_seconds: float) -> dict[str, Any]:
    """Send ``count`` reminders for distinct users through the real dispatcher loop and PTB.

    Due times are spread over ``spread_seconds`` from the start (0: all due at once).
    """
    from bot.adapters.telegram_notifier import TelegramNotifier, notifier_bot

    proc, base = start_fake_api(limits)
    try:
        settings = replace(Settings.from_env({}), database_url=url, telegram_token=Secret(TOKEN),
                           telegram_base_url=f"{base}/bot")
        services = await open_services(settings, SystemClock())
        start = datetime.now(UTC) + timedelta(seconds=2)
        await seed(services.engine, count, lambda i: start + timedelta(seconds=spread_seconds * i / count),
                   platform="telegram", chat_id=lambda i: str(10_000_000 + i))
        late: list[float] = []
        sent_at: list[float] = []

        def on_sent(claimed: Any, at: datetime) -> None:
            late.append((at - claimed.due_at).total_seconds())
            sent_at.append(time.perf_counter())

        bot = notifier_bot(settings)
        limiter = SendLimiter() if limits else SendLimiter(per_second=1_000_000, per_chat_seconds=0.0)
        async with bot:
            dispatcher = Dispatcher(services.store, services.catalogue, {"telegram": TelegramNotifier(bot)},
                                    services.clock, limiter=limiter, on_sent=on_sent, batch_size=1000,
                                    concurrency=200)
            loop = DispatchLoop(dispatcher, 1.0)
            loop.start()
            deadline = time.perf_counter() + spread_seconds + count / (25 if limits else 200) + 60
            while len(sent_at) < count and time.perf_counter() < deadline:  # noqa: ASYNC110 - polling a count
                await asyncio.sleep(0.2)
            await loop.stop()
        async with httpx.AsyncClient() as client:
            stats = (await client.get(f"{base}/_stats")).json()
        await services.close()
        span = (sent_at[-1] - sent_at[0]) if len(sent_at) > 1 else float("nan")
        return {
            "sent": len(sent_at), "server_received": stats["sent"], "duplicates": stats["duplicates"],
            "rejected_429": stats["rejected_429"], "per_second": (len(sent_at) - 1) / span,
            "late_p50": pct(late, 0.50), "late_p99": pct(late, 0.99),
        }
    finally:
        proc.terminate()
        proc.wait()


# -- 5. baseline: one PTB JobQueue job per subscriber -------------------------------------------
def child_jobqueue(count: int) -> dict[str, float]:
    code = f"""
import asyncio, json, sys, time
sys.path.insert(0, {str(ROOT)!r})
from benchmarks.reminders import rss_mb, start_fake_api
from telegram.ext import Application

async def remind(context):
    await context.bot.send_message(context.job.chat_id, "Time for a posture break")

async def main():
    proc, base = start_fake_api(False)
    try:
        app = Application.builder().token({TOKEN!r}).base_url(base + "/bot").build()
        async with app:
            await app.start()
            before = rss_mb()
            t0 = time.perf_counter()
            for i in range({count}):
                app.job_queue.run_repeating(remind, interval=1800, first=3600 + i % 1800,
                                            chat_id=10_000_000 + i, user_id=10_000_000 + i, name=str(i))
            setup = time.perf_counter() - t0
            print(json.dumps({{"rss_mb": rss_mb(), "empty_rss_mb": before, "setup_s": setup}}))
            await app.stop()
    finally:
        proc.terminate()

asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def ours_setup(url: str, count: int) -> float:
    engine = make_engine(url)
    await migrate(engine)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    await seed(engine, count, lambda i: now + timedelta(seconds=3600 + i % 1800))
    elapsed = time.perf_counter() - t0
    await engine.dispose()
    return elapsed


# -- main ---------------------------------------------------------------------------------------
async def run(args: argparse.Namespace) -> None:
    scale = 10 if args.quick else 1
    small, large = 100_000 // scale, 1_000_000 // scale
    messages = 10_000 // scale
    baseline_n = 100_000 // scale
    backends = ["sqlite", "postgresql"] if not args.sqlite_only else ["sqlite"]
    rows: list[tuple[str, str, str]] = []
    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-"))

    def add(metric: str, backend: str, value: str) -> None:
        rows.append((metric, backend, value))
        print(f"  {metric:<58} {backend:<11} {value}", flush=True)

    parts = {int(p) for p in args.parts.split(",")}
    print(f"Unknot reminder benchmark ({'quick' if args.quick else 'full'} run), {os.cpu_count()} CPUs")
    for backend in backends if parts & {1, 2} else []:
        for stored in (small, large):
            url = await fresh_db(backend, args.pg, workdir, f"claim{stored}")
            ms, seeded = await claim_cost(url, stored)
            add(f"1. claim 1,000 due among {stored:,} stored (median)", backend, f"{ms:.1f} ms")
            add(f"   seed {stored:,} subscriptions (bulk load)", backend, f"{seeded:.1f} s")
            if stored == large:
                full = child_memory(url)
                empty_url = await fresh_db(backend, args.pg, workdir, "empty")
                empty = child_memory(empty_url)
                add(f"2. bot RSS with {stored:,} stored / empty database", backend,
                    f"{full['rss_mb']:.1f} MB / {empty['rss_mb']:.1f} MB")
    for backend in backends if parts & {3, 4} else []:
        if 3 in parts:
            url = await fresh_db(backend, args.pg, workdir, "throttled")
            result = await throughput(url, messages, limits=True, spread_seconds=0)
            add(f"3. throttled (30/s, 1/s per chat): {messages:,} due at once", backend,
                f"{result['per_second']:.1f} msg/s, sent {result['sent']:,}, "
                f"received {result['server_received']:,}, duplicates {result['duplicates']}, "
                f"429s {result['rejected_429']}")
            add("   lateness p50 / p99 (backlog drains at 30/s)", backend,
                f"{result['late_p50']:.1f} s / {result['late_p99']:.1f} s")
        if 4 not in parts:
            continue
        url = await fresh_db(backend, args.pg, workdir, "ceiling")
        result = await throughput(url, messages, limits=False, spread_seconds=0)
        add(f"4. limits off: {messages:,} due at once", backend,
            f"{result['per_second']:.0f} msg/s, sent {result['sent']:,}, duplicates {result['duplicates']}")
        url = await fresh_db(backend, args.pg, workdir, "paced")
        result = await throughput(url, messages, limits=False, spread_seconds=messages / 500)
        add(f"   limits off: {messages:,} due at 500/s, lateness p50 / p99", backend,
            f"{result['late_p50']:.2f} s / {result['late_p99']:.2f} s (sent {result['sent']:,})")
    if 5 not in parts:
        backends = []
    baseline = child_jobqueue(baseline_n) if backends else {}
    if baseline:
        add(f"5. PTB JobQueue, one job per subscriber, {baseline_n:,} jobs: RSS", "memory",
            f"{baseline['rss_mb']:.1f} MB ({baseline['rss_mb'] - baseline['empty_rss_mb']:.1f} MB for the jobs)")
        add("   its set-up time (repeated at every restart)", "memory", f"{baseline['setup_s']:.2f} s")
    for backend in backends:
        url = await fresh_db(backend, args.pg, workdir, "baseline")
        seeded = await ours_setup(url, baseline_n)
        empty_url = await fresh_db(backend, args.pg, workdir, "empty2")
        ours = child_memory(url)
        ours_empty = child_memory(empty_url)
        grown = max(ours["rss_mb"] - ours_empty["rss_mb"], 0.1)
        add(f"   Unknot with {baseline_n:,} stored: RSS", backend,
            f"{ours['rss_mb']:.1f} MB ({ours['rss_mb'] - ours_empty['rss_mb']:+.1f} MB vs empty)")
        add("   ratio JobQueue / Unknot, whole process RSS", backend, f"{baseline['rss_mb'] / ours['rss_mb']:.1f}x")
        add("   ratio JobQueue / Unknot, memory for the subscribers", backend,
            f"{(baseline['rss_mb'] - baseline['empty_rss_mb']) / grown:.0f}x")
        add(f"   Unknot set-up: start with {baseline_n:,} stored / one-time bulk load", backend,
            f"{ours['ready_s']:.2f} s / {seeded:.2f} s")
    if args.pg and not args.sqlite_only:
        conn = await asyncpg.connect(args.pg)
        await conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        await conn.close()
    print("\n| metric | store | result |\n| --- | --- | --- |")
    for metric, backend, value in rows:
        print(f"| {metric.strip()} | {backend} | {value} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sizes divided by ten")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--parts", default="1,2,3,4,5", help="which measurements, e.g. 2,5 (default: all)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="an admin URL; the benchmark creates and drops its own database")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
