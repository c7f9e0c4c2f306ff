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
