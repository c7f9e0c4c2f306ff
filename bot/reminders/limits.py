"""Telegram's outgoing limits, enforced before each send.

30 messages a second overall, 1 a second per chat (python-telegram-bot's AIORateLimiter does
not enforce this one) and 20 a minute per group. Sliding windows on a monotonic clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class SlidingWindow:
    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.stamps: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """Seconds until one more send fits the window; 0 if it fits now."""
        while self.stamps and now - self.stamps[0] >= self.period - 1e-9:  # tolerate float rounding
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return max(self.stamps[0] + self.period - now, 1e-6)

    def take(self, now: float) -> None:
        self.stamps.append(now)


class SendLimiter:
    """``await limiter.acquire(chat_id, is_group)`` returns when a send is allowed."""

    def __init__(self, per_second: int = 30, per_chat_seconds: float = 1.0, group_per_minute: int = 20,
                 margin: float = 0.02, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.overall = SlidingWindow(per_second, 1.0 + margin)
        self.per_chat_seconds = per_chat_seconds + margin
        self.group_per_minute = group_per_minute
        self.margin = margin
        self.monotonic = monotonic
        self.sleep = sleep
        self.last_in_chat: dict[str, float] = {}
        self.groups: dict[str, SlidingWindow] = {}
        self.lock = asyncio.Lock()

    async def acquire(self, chat_id: str, is_group: bool = False) -> None:
        async with self.lock:
            while True:
                now = self.monotonic()
                wait = self.overall.wait_time(now)
                last = self.last_in_chat.get(chat_id)
                if last is not None:
                    wait = max(wait, last + self.per_chat_seconds - now)
                group = None
                if is_group:
                    group = self.groups.setdefault(chat_id, SlidingWindow(self.group_per_minute, 60.0 + self.margin))
                    wait = max(wait, group.wait_time(now))
                if wait <= 0:
                    self.overall.take(now)
                    self.last_in_chat[chat_id] = now
                    if group is not None:
                        group.take(now)
                    self._prune(now)
                    return
                await self.sleep(wait)

    def _prune(self, now: float) -> None:
        if len(self.last_in_chat) > 50_000:
            cutoff = now - self.per_chat_seconds
            self.last_in_chat = {c: t for c, t in self.last_in_chat.items() if t > cutoff}
