"""Telegram's outgoing limits, checked in virtual time."""

from __future__ import annotations

import asyncio
import itertools

from bot.reminders.limits import SendLimiter


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def limiter(clock: VirtualTime) -> SendLimiter:
    return SendLimiter(monotonic=clock.monotonic, sleep=clock.sleep)


async def stamps(limiter: SendLimiter, clock: VirtualTime, chats: list[str], group: bool = False) -> list[float]:
    out = []
    for chat in chats:
        await limiter.acquire(chat, is_group=group)
        out.append(clock.now)
    return out


def most_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_thirty_a_second_overall() -> None:
    clock = VirtualTime()
    times = await stamps(limiter(clock), clock, [str(i) for i in range(300)])
    assert most_in_window(times, 1.0) <= 30
    assert times[-1] < 10.5  # and no slower than needed: 300 messages in about 10 s


async def test_one_a_second_per_chat() -> None:
    clock = VirtualTime()
    times = await stamps(limiter(clock), clock, ["42"] * 5)
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_twenty_a_minute_per_group() -> None:
    clock = VirtualTime()
    times = await stamps(limiter(clock), clock, ["-100500"] * 45, group=True)
    assert most_in_window(times, 60.0) <= 20
    assert times[-1] >= 120.0


class StallingTime:
    """Virtual time for many concurrent callers, where the loop can stall: every sleeper whose
    time passed during the stall wakes at once, late, as on a loop blocked for a moment."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self.seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append((self.now + seconds, next(self.seq), future))
        await future

    async def run(self, tasks: list[asyncio.Task[None]], stall_to: float) -> None:
        stalled = False
        while not all(t.done() for t in tasks):
            for _ in range(5):
                await asyncio.sleep(0)
            if not self.waiters:
                continue
            self.waiters.sort()
            self.now = max(self.now, self.waiters[0][0])
            if not stalled and self.now > 0:
                self.now, stalled = max(self.now, stall_to), True  # the loop was blocked until here
            due = [w for w in self.waiters if w[0] <= self.now + 1e-12]
            self.waiters = [w for w in self.waiters if w[0] > self.now + 1e-12]
            for _, _, future in due:
                future.set_result(None)


async def test_a_stalled_loop_never_lets_more_than_thirty_out_in_a_second() -> None:
    clock = StallingTime()
    limits = SendLimiter(monotonic=clock.monotonic, sleep=clock.sleep)
    sent: list[float] = []

    async def send(chat: str) -> None:
        await limits.acquire(chat)
        sent.append(clock.now)

    tasks = [asyncio.ensure_future(send(str(i))) for i in range(90)]
    await clock.run(tasks, stall_to=1.5)  # slots up to 1.5 s were reserved, then all woke at once
    assert len(sent) == 90
    assert most_in_window(sent, 1.0) <= 30
