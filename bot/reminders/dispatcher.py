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

from bot.core.catalogue import Catalogue, Entry, Note
from bot.core.clock import Clock
from bot.core.replies import Reply
from bot.core.schedule import next_due, stored_rule, stored_window, zone_from_name
from bot.reminders.limits import SendLimiter
from bot.reminders.texts import reminder_reply
from bot.storage.store import Claimed, ReminderStore

log = logging.getLogger(__name__)
NOTE_MARK = "!"  # in ``shown_tips``: a safety note already sent with this reminder


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

    async def idle(self) -> None:
        """Return once no tick is running (a batch in flight has been written back)."""
        async with self._running:
            return

    async def tick(self) -> int:
        """Handle everything due now, batch by batch. Returns how many rows were handled."""
        if self._running.locked():
            return 0
        async with self._running:
            handled = 0
            while True:
                batch = await self.store.claim_due(self.clock.now(), self.batch_size, self.lease)
                if not batch:
                    return handled
                try:
                    await self._process(batch)
                except Exception:  # never lose a batch: it stays due and comes back after a minute
                    log.exception("a batch of %d reminders failed; it stays due", len(batch))
                    await self.store.settle([], retry=batch, retry_at=self.clock.now() + timedelta(minutes=1))
                    return handled
                handled += len(batch)
                if len(batch) < self.batch_size:
                    return handled

    @staticmethod
    def _next(claimed: Claimed, after: datetime) -> datetime | None:
        return next_due(stored_rule(claimed.kind, claimed.interval_minutes, claimed.at_time),
                        stored_window(claimed.window_start, claimed.window_end, claimed.days),
                        zone_from_name(claimed.timezone), after)

    def _pick_tip(self, claimed: Claimed) -> tuple[Entry, str, list[Note]]:
        """Rotate through the kind's tips without repeats until every one has been shown.

        Safety notes for the kind (``reminder: water`` in ``content/safety.yaml``) go with the
        first reminder that is sent; ``shown_tips`` remembers them as ``!note-id`` for good."""
        tips = self.catalogue.tips(claimed.kind)
        shown = set(filter(None, claimed.shown_tips.split(",")))
        notes_shown = {s for s in shown if s.startswith(NOTE_MARK)}
        fresh = [t for t in tips if t.id not in shown]
        if not fresh:
            shown, fresh = set(notes_shown), tips
        tip = self.rng.choice(fresh)
        shown.add(tip.id)
        notes = [n for n in self.catalogue.reminder_notes(claimed.kind) if NOTE_MARK + n.id not in notes_shown]
        shown.update(NOTE_MARK + n.id for n in notes)
        return tip, ",".join(sorted(shown)), notes

    async def _process(self, batch: list[Claimed]) -> None:
        now = self.clock.now()
        finished: list[tuple[Claimed, datetime | None, str | None]] = []
        retry: list[Claimed] = []
        plans: list[tuple[Claimed, Entry, str, list[Note]]] = []
        for claimed in batch:
            if claimed.paused_until is not None and claimed.paused_until > claimed.due_at:
                finished.append((claimed, self._next(claimed, max(now, claimed.paused_until)), None))
            elif now - claimed.due_at > self.grace:
                self.stats.skipped_late += 1
                log.info("reminder %s is %s late: skipped and rescheduled", claimed.subscription_id,
                         now - claimed.due_at)
                finished.append((claimed, self._next(claimed, now), None))
            elif claimed.platform not in self.notifiers:
                retry.append(claimed)
            else:
                tip, shown, notes = self._pick_tip(claimed)
                plans.append((claimed, tip, shown, notes))
        ids = await self.store.record_deliveries([
            {"user_id": c.user_id, "kind": c.kind, "tip_id": tip.id, "due_at": c.due_at, "sent_at": now,
             "done_at": None}
            for c, tip, _, _ in plans
        ])
        outcomes = await asyncio.gather(*(
            self._send(claimed, reminder_reply(self.catalogue, claimed.kind, tip, delivery_id, once=notes))
            for (claimed, tip, _, notes), delivery_id in zip(plans, ids, strict=True)
        ))
        blocked: set[int] = set()
        unsent: list[int] = []
        for (claimed, _, shown, _), delivery_id, outcome in zip(plans, ids, outcomes, strict=True):
            after = max(now, claimed.due_at)
            if outcome == "sent":
                finished.append((claimed, self._next(claimed, after), shown))
                continue
            unsent.append(delivery_id)
            if outcome == "rejected":
                finished.append((claimed, self._next(claimed, after), None))
            elif outcome == "blocked":
                blocked.add(claimed.user_id)
            else:
                retry.append(claimed)
        await self.store.settle(finished, retry=retry, retry_at=self.clock.now() + timedelta(minutes=1),
                                blocked_user_ids=blocked, unsent_delivery_ids=unsent)

    async def _send(self, claimed: Claimed, reply: Reply) -> str:
        """Send with retries. Returns "sent", "blocked", "rejected" or "deferred"."""
        async with self.semaphore:
            chat_id = claimed.chat_id
            notifier = self.notifiers[claimed.platform]
            for attempt in range(1, self.max_attempts + 1):
                try:
                    await self.limiter.acquire(chat_id, is_group=chat_id.startswith("-"))
                    await notifier.send(chat_id, reply)
                except RateLimited as exc:
                    self.stats.failed_attempts += 1
                    await self.sleep(exc.retry_after)
                    continue
                except Transient as exc:
                    self.stats.failed_attempts += 1
                    log.info("reminder %s: attempt %d failed (%s)", claimed.subscription_id, attempt, exc)
                    if attempt < self.max_attempts:
                        await self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                except ChatMoved as exc:
                    await self.store.move_chat(claimed.user_id, exc.new_chat_id)
                    chat_id = exc.new_chat_id
                    continue
                except Blocked:
                    self.stats.blocked += 1
                    log.info("user %s blocked the bot: reminders deactivated", claimed.user_id)
                    return "blocked"
                except Rejected as exc:
                    log.warning("reminder %s rejected by the platform: %s", claimed.subscription_id, exc)
                    return "rejected"
                except Exception:
                    self.stats.failed_attempts += 1
                    log.exception("reminder %s: unexpected error while sending", claimed.subscription_id)
                    return "deferred"
                self.stats.sent += 1
                if self.on_sent is not None:
                    self.on_sent(claimed, self.clock.now())
                return "sent"
            self.stats.deferred += 1
            return "deferred"
