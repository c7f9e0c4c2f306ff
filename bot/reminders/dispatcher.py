"""The dispatcher: claims due reminders from the database, sends them, advances each row.

No per-user job lives in memory. A scheduler only wakes ``tick`` every second; the database
holds every rule and its next due time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.catalogue import Catalogue, Entry
from bot.core.clock import Clock
from bot.core.replies import Reply
from bot.core.schedule import DEFAULT_INTERVAL, Rule, Window, next_due, parse_clock, zone_from_name
from bot.reminders.limits import SendLimiter
from bot.reminders.texts import reminder_reply
from bot.storage.models import Delivery
from bot.storage.store import Claimed, ReminderStore

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Base of what a ``Notifier`` raises; each subclass tells the dispatcher what to do."""


class Blocked(DeliveryError):
    """The user blocked the bot or deleted the chat: stop sending to them."""


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after}s")
        self.retry_after = retry_after


class Transient(DeliveryError):
    """A timeout, a network failure or a 5xx: worth trying again."""


class Rejected(DeliveryError):
    """The platform refused this message for good (a malformed request): skip this one."""


class ChatMoved(DeliveryError):
    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Notifier(Protocol):
    """Sends one message to one chat on one platform."""

    async def send(self, chat_id: str, reply: Reply) -> None: ...


@dataclass
class DispatchStats:
    sent: int = 0
    skipped_late: int = 0
    deferred: int = 0
    blocked: int = 0
    failed_attempts: int = 0


class Dispatcher:
    def __init__(
        self,
        store: ReminderStore,
        catalogue: Catalogue,
        notifiers: dict[str, Notifier],
        clock: Clock,
        grace: timedelta = timedelta(minutes=10),
        limiter: SendLimiter | None = None,
        batch_size: int = 500,
        concurrency: int = 100,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_sent: Callable[[Claimed, datetime], None] | None = None,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.notifiers = notifiers
        self.clock = clock
        self.grace = grace
        self.limiter = limiter or SendLimiter()
        self.batch_size = batch_size
        self.semaphore = asyncio.Semaphore(concurrency)
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.on_sent = on_sent
        self.stats = DispatchStats()
        self._running = asyncio.Lock()

    async def tick(self) -> int:
        """Handle everything due now, batch by batch. Returns how many rows were handled."""
        if self._running.locked():
            return 0
        async with self._running:
            handled = 0
            while True:
                now = self.clock.now()
                batch = await self.store.claim_due(now, self.batch_size, self.lease)
                if not batch:
                    return handled
                await asyncio.gather(*(self._guarded(claimed) for claimed in batch))
                handled += len(batch)
                if len(batch) < self.batch_size:
                    return handled

    async def _guarded(self, claimed: Claimed) -> None:
        async with self.semaphore:
            try:
                await self._handle(claimed)
            except Exception:  # one bad row must never stop the others
                log.exception("reminder %s failed; it stays due", claimed.subscription_id)
                await self.store.retry_later(claimed, self.clock.now() + timedelta(minutes=1))

    def _rule(self, claimed: Claimed) -> tuple[Rule, Window]:
        if claimed.kind == "daily":
            rule = Rule("daily", at=parse_clock(claimed.at_time or "09:00"))
        else:
            rule = Rule(claimed.kind, interval_minutes=claimed.interval_minutes or DEFAULT_INTERVAL[claimed.kind])
        window = Window(parse_clock(claimed.window_start), parse_clock(claimed.window_end),
                        frozenset(int(d) for d in claimed.days))
        return rule, window

    def _pick_tip(self, claimed: Claimed) -> tuple[Entry, str]:
        """Rotate through the kind's tips without repeats until every one has been shown."""
        tips = self.catalogue.tips(claimed.kind)
        shown = set(filter(None, claimed.shown_tips.split(",")))
        fresh = [t for t in tips if t.id not in shown]
        if not fresh:
            shown, fresh = set(), tips
        tip = self.rng.choice(fresh)
        shown.add(tip.id)
        return tip, ",".join(sorted(shown))

    async def _handle(self, claimed: Claimed) -> None:
        now = self.clock.now()
        rule, window = self._rule(claimed)
        zone = zone_from_name(claimed.timezone)
        if claimed.paused_until is not None and claimed.paused_until > claimed.due_at:
            await self.store.finish(claimed, next_due(rule, window, zone, max(now, claimed.paused_until)))
            return
        if now - claimed.due_at > self.grace:
            self.stats.skipped_late += 1
            log.info("reminder %s is %s late: skipped and rescheduled", claimed.subscription_id,
                     now - claimed.due_at)
            await self.store.finish(claimed, next_due(rule, window, zone, now))
            return
        tip, shown = self._pick_tip(claimed)
        delivery = Delivery(user_id=claimed.user_id, kind=claimed.kind, tip_id=tip.id, due_at=claimed.due_at,
                            sent_at=now)
        delivery_id = await self.store.record_delivery(delivery)
        chat_id = claimed.chat_id
        reply = reminder_reply(claimed.kind, tip, delivery_id)
        notifier = self.notifiers.get(claimed.platform)
        if notifier is None:
            await self.store.retry_later(claimed, now + self.lease)
            return
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self.limiter.acquire(chat_id, is_group=chat_id.startswith("-"))
                await notifier.send(chat_id, reply)
            except RateLimited as exc:
                self.stats.failed_attempts += 1
                await self.sleep(exc.retry_after)
                continue
            except Transient:
                self.stats.failed_attempts += 1
                if attempt < self.max_attempts:
                    await self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            except ChatMoved as exc:
                await self.store.move_chat(claimed.user_id, exc.new_chat_id)
                chat_id = exc.new_chat_id
                continue
            except Blocked:
                self.stats.blocked += 1
                await self.store.deactivate_user(claimed.user_id)
                return
            except Rejected as exc:
                log.warning("reminder %s rejected by the platform: %s", claimed.subscription_id, exc)
                await self.store.finish(claimed, next_due(rule, window, zone, max(now, claimed.due_at)))
                return
            sent_at = self.clock.now()
            self.stats.sent += 1
            if self.on_sent is not None:
                self.on_sent(claimed, sent_at)
            await self.store.finish(claimed, next_due(rule, window, zone, max(now, claimed.due_at)),
                                    shown_tips=shown)
            return
        # Still failing: keep it due and let the lease bring it back in a minute.
        self.stats.deferred += 1
        await self.store.retry_later(claimed, self.clock.now() + timedelta(minutes=1))
