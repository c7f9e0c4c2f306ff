"""Telegram's outgoing limits for one bot token, shared by replies and reminders.

30 messages a second overall, 1 a second per chat (python-telegram-bot's AIORateLimiter does
not enforce this one) and 20 a minute per group (kept as one every 3 s). A 429 from Telegram
pauses every send through the limiter for ``retry_after``.

Every wait is a *reservation*: a caller takes the next free slot and sleeps until it, without
holding anything other callers need. A chat waiting its second gets in nobody else's way.
Overall slots are paced 1/30 s (plus the margin) apart rather than handed out in bursts.
A caller that wakes late (a stalled event loop wakes every overdue sleeper at once) also
checks the sends that actually went ahead in the last window, so a stall never lets more
than 30 out in one second.

Why not aiolimiter's ``AsyncLimiter(30, 1)``: it is a leaky bucket that lets 30 through at
once and then 30 more as it drains, 59 in one second; the overall window here never holds
more than 30 (``benchmarks/limiter.py`` measures both). The clock and the sleep are injectable,
so the same code runs in virtual time in tests and in the working-day benchmark.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

PRUNE_EVERY = 1024


class SendLimiter:
    """``await limiter.acquire(chat_id, is_group)`` returns when a send is allowed."""

    def __init__(self, per_second: int = 30, per_chat_seconds: float = 1.0, group_per_minute: int = 20,
                 margin: float = 0.02, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.per_second = per_second
        self.period = 1.0 + margin
        self.spacing = self.period / per_second
        self.per_chat_seconds = per_chat_seconds + margin if per_chat_seconds > 0 else 0.0
        self.group_seconds = 60.0 / group_per_minute + margin if group_per_minute > 0 else 0.0
        self.monotonic = monotonic
        self.sleep = sleep
        self.granted: deque[float] = deque()  # overall slots handed out, in increasing order
        self.sent: deque[float] = deque()  # when callers actually went ahead, in the last window
        self.chat_ready: dict[str, float] = {}  # earliest next send per chat
        self.paused_until = 0.0
        self.pauses = 0
        self._acquired = 0

    @classmethod
    def unlimited(cls, **kwargs: object) -> SendLimiter:
        """No limits at all (a benchmark of the engine itself, or a platform without limits)."""
        return cls(per_second=1_000_000_000, per_chat_seconds=0.0, group_per_minute=0, **kwargs)  # type: ignore[arg-type]

    def pause(self, seconds: float) -> None:
        """Telegram said 429 ``retry_after``: nothing goes out through this token until then."""
        until = self.monotonic() + max(0.0, seconds)
        if until > self.paused_until:
            self.paused_until = until
            self.pauses += 1

    async def acquire(self, chat_id: str, is_group: bool = False) -> None:
        spacing = self.group_seconds if is_group else self.per_chat_seconds
        while True:
            now = self.monotonic()
            ready = max(self.paused_until, self.chat_ready.get(chat_id, 0.0))
            if ready > now:
                await self.sleep(ready - now)
                continue
            # The chat is free: hold it while this caller waits for an overall slot.
            slot = self._reserve(now)
            if spacing:
                self.chat_ready[chat_id] = slot + spacing
            if slot > now:
                await self.sleep(slot - now)
            if self.monotonic() + 1e-9 < self.paused_until:
                continue  # a 429 came in while we waited: the slot is void, queue again
            # Woken late (a stalled loop wakes every overdue sleeper at once): the slot was
            # kept, but the sends around it may now leave together. Count what actually left
            # in the last window, and wait for the oldest of them to age out if it is full.
            if not await self._window_free():
                continue  # a 429 came in while we waited for the window
            self.sent.append(self.monotonic())
            self._acquired += 1
            if self._acquired % PRUNE_EVERY == 0:
                self._prune(self.monotonic())
            return

    async def _window_free(self) -> bool:
        """Wait until fewer than ``per_second`` sends actually went ahead in the last window;
        False if a 429 pause began meanwhile."""
        sent = self.sent
        while True:
            now = self.monotonic()
            while sent and sent[0] <= now - self.period + 1e-9:
                sent.popleft()
            if len(sent) < self.per_second:
                return True
            await self.sleep(sent[-self.per_second] + self.period - now)
            if self.monotonic() + 1e-9 < self.paused_until:
                return False

    def _reserve(self, now: float) -> float:
        granted = self.granted
        while granted and granted[0] <= now - self.period:
            granted.popleft()
        slot = now
        if len(granted) >= self.per_second:
            slot = max(now, granted[-self.per_second] + self.period)
        if granted:
            # Paced, not in bursts: 30 at once then a pause lands part of the next burst in
            # Telegram's own one-second window (whose edges differ from ours) and draws 429s.
            slot = max(slot, granted[-1] + self.spacing)
        granted.append(slot)
        return slot

    def _prune(self, now: float) -> None:
        """Forget chats whose wait is over: the map holds only chats that sent a moment ago."""
        self.chat_ready = {chat: t for chat, t in self.chat_ready.items() if t > now}

    @property
    def tracked_chats(self) -> int:
        return len(self.chat_ready)
