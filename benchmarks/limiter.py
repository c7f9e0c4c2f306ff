"""aiolimiter's AsyncLimiter against Unknot's SendLimiter: the most sends in any one-second
window, and the sustained rate, for 300 sends to different chats as fast as allowed.

Usage:  .venv/bin/python benchmarks/limiter.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiolimiter import AsyncLimiter

from bot.reminders.limits import SendLimiter

COUNT = 300


def most_in_window(times: list[float], window: float = 1.0) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def measure(acquire: Callable[[int], Awaitable[None]]) -> tuple[int, float]:
    start = time.monotonic()
    times: list[float] = []

    async def one(i: int) -> None:
        await acquire(i)
        times.append(time.monotonic() - start)

    await asyncio.gather(*(one(i) for i in range(COUNT)))
    return most_in_window(times), COUNT / max(times)


async def main() -> None:
    bucket = AsyncLimiter(30, 1)

    async def leaky(i: int) -> None:
        await bucket.acquire()

    ours = SendLimiter()

    async def reserved(i: int) -> None:
        await ours.acquire(str(i))

    print("| limiter | most sends in any 1 s window | sustained rate |")
    print("| --- | --- | --- |")
    for name, fn in (("aiolimiter AsyncLimiter(30, 1)", leaky), ("Unknot SendLimiter (30/s)", reserved)):
        peak, rate = await measure(fn)
        print(f"| {name} | {peak} | {rate:.1f} msg/s |")


if __name__ == "__main__":
    asyncio.run(main())
