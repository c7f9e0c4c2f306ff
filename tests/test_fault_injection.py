"""Fault injection on the real bot process: SIGKILL in the middle of a burst, then a restart.

The bot runs as ``python -m bot telegram`` against the fake Bot API (in this test's process)
and a PostgreSQL database of its own. The fake API answers each sendMessage a second after
receiving it, so a burst of 150 reminders takes a few seconds and the kill lands while up to
30 sends (the dispatcher's concurrency) are received by "Telegram" but not yet acknowledged.

What must hold: every chat gets its reminder (nothing lost), and no more chats get it twice
than there were sends in flight at the kill. The killed process's leases run out after
``REMINDER_LEASE_SECONDS`` (10 s here, 60 s by default), and the restarted bot sends the rest
then.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage.db import make_engine, migrate
from bot.storage.seed import seed
from tests.conftest import ROOT, truncate_pg
from tests.fakebotapi import FakeBotAPI

USERS = 150
# What the README promises a crash may repeat: the sends in flight (the dispatcher's concurrency,
# 30; here every one is out, as the fake API answers after a second) plus the outcomes received
# but not yet written back (at most 16, written within 20 ms unless the machine is loaded).
IN_FLIGHT_BOUND = 30 + 16
ANSWER_DELAY = 1.0  # seconds the fake API takes to acknowledge each sendMessage
LEASE_SECONDS = 10  # REMINDER_LEASE_SECONDS: how long a killed process's claimed rows stay out


def start_bot(api: FakeBotAPI, database_url: str, workdir: Path, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = workdir / f"{name}.log"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "DATABASE_URL": database_url,
        "UNKNOT_DATA_DIR": str(workdir / "data"),
        "LOG_LEVEL": "INFO",
        "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], cwd=workdir, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    return proc, log


def received(api: FakeBotAPI) -> int:
    return sum(api.chat_counts.values())


async def wait_until(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.05)
    return bool(check())  # type: ignore[operator]


async def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110 - polling a child process
        await asyncio.sleep(0.05)
    return proc.poll()


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


async def test_sigkill_mid_burst_loses_nothing_and_repeats_at_most_the_sends_in_flight(
        fake_api: FakeBotAPI, pg_database: str, tmp_path: Path) -> None:
    await truncate_pg(pg_database)
    engine = make_engine(pg_database)
    await migrate(engine)
    due = datetime.now(UTC) - timedelta(seconds=5)
    # One water reminder per user, each to a chat of its own (chat id = user id).
    await seed(engine, USERS, lambda i: due, platform="telegram", kind="water", chat_id=str)
    await engine.dispose()
    fake_api.answer_delays["sendMessage"] = ANSWER_DELAY
    fake_api.keep_calls = False  # counts per chat are all this test reads

    started = time.monotonic()
    first, first_log = start_bot(fake_api, pg_database, tmp_path, "first")
    try:
        assert await wait_until(lambda: received(fake_api) >= USERS // 3, 60), (
            f"only {received(fake_api)} reminders arrived before the kill\n{tail(first_log)}")
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = time.monotonic()
    at_kill = received(fake_api)
    await asyncio.sleep(ANSWER_DELAY + 0.5)  # the requests out at the kill still count as delivered
    before_restart = received(fake_api)

    second, second_log = start_bot(fake_api, pg_database, tmp_path, "second")
    try:
        everyone = await wait_until(lambda: len(fake_api.chat_counts) >= USERS,
                                    LEASE_SECONDS + 60 - (time.monotonic() - killed_at))
        done_at = time.monotonic()
        second.send_signal(signal.SIGTERM)
        stop_started = time.monotonic()
        code = await wait_exit(second, 10)
        stop_seconds = time.monotonic() - stop_started
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(5)

    counts = fake_api.chat_counts
    lost = USERS - len(counts)
    twice = sum(1 for c in counts.values() if c >= 2)
    print(f"\n{USERS} reminders due: {at_kill} received when the bot was killed "
          f"({before_restart} once the requests in flight were answered), "
          f"{len(counts)} chats reached, {lost} lost, {twice} chats got it twice "
          f"(bound {IN_FLIGHT_BOUND}), most to one chat {max(counts.values(), default=0)}; "
          f"all delivered {done_at - killed_at:.1f} s after the kill (lease {LEASE_SECONDS} s), "
          f"SIGTERM exit in {stop_seconds:.1f} s (code {code}), whole run {time.monotonic() - started:.1f} s")
    assert everyone and lost == 0, f"{lost} chats never got their reminder\n{tail(second_log)}"
    assert twice <= IN_FLIGHT_BOUND, f"{twice} chats got the reminder twice"
    assert max(counts.values()) <= 2
    assert code is not None, f"the bot was still running 10 s after SIGTERM\n{tail(second_log)}"
    assert code == 0, tail(second_log)
