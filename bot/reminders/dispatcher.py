"""The dispatcher: claims due reminders from the database, sends them, advances each row.

No per-user job lives in memory. A scheduler only wakes ``tick`` every second; the database
holds every rule and its next due time.

What it promises (each has a test in ``tests/test_dispatch_reliability.py``):

* Rows fail alone: an error computing, rendering or sending one reminder is logged with its
  subscription id and parks or reschedules that reminder only; the rest settle normally.
* Settle as you go: each message's outcome is written within ``flush_delay`` of its send, so a
  crash re-sends at most what was in flight. Leases carry this dispatcher's ``owner`` token and
  are renewed while it works; ``settle`` touches only rows it still holds.
* Reminders of one chat due together go out as one message.
* A read timeout after Telegram received the request counts as delivered: it is not sent again
  (at most once for that ambiguous case; Telegram almost always delivered it). A connection
  failure or a 5xx is retried: Telegram never saw it or refused it.
* A 429 pauses every send through the token's limiter and is not counted as a failed attempt.
* ``stop_claiming`` (SIGTERM) stops claiming, lets the sends in flight finish and settle, and
  releases every lease not yet acted on so a restart or another instance sends it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from bot.core.catalogue import Catalogue, Entry, Note
from bot.core.clock import Clock
from bot.core.replies import Reply
from bot.core.schedule import next_due, stored_rule, stored_window, zone_from_name
from bot.reminders.limits import SendLimiter
from bot.reminders.texts import Part, combined_reply, post_reply
from bot.storage.models import PRIVATE
from bot.storage.store import Claimed, ReminderStore

log = logging.getLogger(__name__)
NOTE_MARK = "!"  # in ``shown_tips``: a safety note already sent with this reminder


class DeliveryError(Exception):
    """Base of what a ``Notifier`` raises; each subclass tells the dispatcher what to do."""


class Blocked(DeliveryError):
    """The chat can't take messages: the person blocked the bot, the bot was removed from the
    group or channel or lost the right to post, the chat is gone. Stop sending there."""


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after}s")
        self.retry_after = retry_after


class Transient(DeliveryError):
    """A connection failure, a timeout before the request was sent, or a 5xx: worth trying again."""


class Unanswered(DeliveryError):
    """The request went out but no answer came back in time: Telegram most likely delivered
    it. Counted as sent and never sent again (a duplicate is what a retry would risk)."""


class Rejected(DeliveryError):
    """The platform refused this message for good (a malformed request): skip this one."""


class ChatMoved(DeliveryError):
    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class TopicGone(DeliveryError):
    """The forum topic the chat's posts go to was deleted or closed: post in the chat itself."""


class Notifier(Protocol):
    """Sends one message to one chat on one platform."""

    async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
        """``thread_id``: the forum topic to post in (0: the chat itself)."""


@dataclass
class DispatchStats:
    sent: int = 0
    messages: int = 0
    coalesced: int = 0
    skipped_late: int = 0
    deferred: int = 0
    blocked: int = 0
    failed_attempts: int = 0
    rate_limited: int = 0
    unanswered: int = 0
    parked: int = 0
    released: int = 0


Outcome = str  # "sent", "unanswered", "blocked: <why>", "rejected", "deferred", "unstarted"


@dataclass
class _Pending:
    """Outcomes waiting to be written back (a few milliseconds' worth)."""

    finished: list[tuple[Claimed, datetime | None, str | None]]
    retry: list[tuple[Claimed, str, datetime]]
    parked: list[tuple[Claimed, str]]
    blocked: dict[int, str]  # subscriber id -> why it can't be reached
    unsent: list[int]

    @classmethod
    def empty(cls) -> _Pending:
        return cls([], [], [], {}, [])

    def __len__(self) -> int:
        return len(self.finished) + len(self.retry) + len(self.parked) + len(self.blocked) + len(self.unsent)


class Dispatcher:
    def __init__(
        self,
        store: ReminderStore,
        catalogue: Catalogue,
        notifiers: dict[str, Notifier],
        clock: Clock,
        grace: timedelta = timedelta(minutes=10),
        daily_grace: timedelta = timedelta(hours=1),
        limiter: SendLimiter | None = None,
        limiters: dict[str, SendLimiter] | None = None,
        batch_size: int = 200,
        concurrency: int = 30,
        lease: timedelta = timedelta(seconds=60),  # REMINDER_LEASE_SECONDS
        max_attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_sent: Callable[[Claimed, datetime], None] | None = None,
        owner: str | None = None,
        flush_items: int = 16,
        flush_delay: float = 0.02,
        max_rate_limited: int = 20,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.notifiers = notifiers
        self.clock = clock
        self.grace = grace
        self.daily_grace = max(grace, daily_grace)
        self.limiter = limiter or SendLimiter()
        # Each platform's own limits: Telegram's by default; a platform whose client paces
        # itself (discord.py) gets an unlimited one here.
        self.limiters = limiters or {}
        self.batch_size = batch_size
        self.semaphore = asyncio.Semaphore(concurrency)
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.on_sent = on_sent
        self.owner = owner or uuid.uuid4().hex
        self.flush_items = flush_items
        self.flush_delay = flush_delay
        self.max_rate_limited = max_rate_limited
        self.stats = DispatchStats()
        self._running = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._pending = _Pending.empty()
        self._flush_lock = asyncio.Lock()
        self._flush_timer: asyncio.Task[None] | None = None

    # -- running -------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop_claiming(self) -> None:
        """Claim nothing more; sends not started yet give their leases back."""
        self._stopping.set()

    async def idle(self) -> None:
        """Return once no tick is running (everything in flight has been written back)."""
        async with self._running:
            return

    async def tick(self) -> int:
        """Handle everything due now, batch by batch. Returns how many rows were handled."""
        if self._running.locked() or self.stopping:
            return 0
        async with self._running:
            handled = 0
            await self._flush()  # outcomes a failed write left behind go first (their rows are still ours)
            renewer = asyncio.ensure_future(self._renew_leases())
            try:
                while not self.stopping:
                    batch = await self.store.claim_due(self.clock.now(), self.batch_size, self.lease, self.owner,
                                                       platforms=self.notifiers.keys())
                    if not batch:
                        break
                    try:
                        await self._process(batch)
                    finally:
                        await self._flush()
                    handled += len(batch)
                    if len(batch) < self.batch_size:
                        break
            finally:
                renewer.cancel()
                if self._stopping.is_set():
                    self.stats.released += await self.store.release(self.owner)
            return handled

    async def _renew_leases(self) -> None:
        every = max(self.lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(every)
            try:
                await self.store.renew(self.owner, self.clock.now() + self.lease)
            except Exception:
                log.exception("could not renew this dispatcher's leases; trying again in %.0f s", every)

    # -- one batch -----------------------------------------------------------------
    def _next(self, claimed: Claimed, after: datetime) -> datetime | None:
        return next_due(stored_rule(claimed.kind, claimed.interval_minutes, claimed.at_time),
                        stored_window(claimed.window_start, claimed.window_end, claimed.days),
                        zone_from_name(claimed.timezone), after, phase=timedelta(seconds=claimed.phase_seconds))

    def _grace(self, claimed: Claimed) -> timedelta:
        return self.daily_grace if claimed.kind == "daily" else self.grace

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
        chats: dict[tuple[str, str], list[tuple[Claimed, datetime | None]]] = {}
        for claimed in batch:
            try:
                if claimed.paused_until is not None and claimed.paused_until > claimed.due_at:
                    self._pending.finished.append((claimed, self._next(claimed, max(now, claimed.paused_until)),
                                                   None))
                elif now - claimed.due_at > self._grace(claimed):
                    self.stats.skipped_late += 1
                    log.info("reminder %s is %s late: skipped and rescheduled", claimed.subscription_id,
                             now - claimed.due_at)
                    self._pending.finished.append((claimed, self._next(claimed, now), None))
                elif claimed.platform not in self.notifiers:
                    self._pending.retry.append((claimed, f"no sender for {claimed.platform} in this process",
                                                self._retry_at(claimed)))
                else:
                    # Computed before sending: a row whose schedule cannot be computed is parked unsent.
                    nxt = self._next(claimed, max(now, claimed.due_at))
                    chats.setdefault((claimed.platform, claimed.chat_id), []).append((claimed, nxt))
            except Exception as exc:
                self._park(claimed, exc, "cannot be scheduled")
        await self._flush()
        prepared = [parts for parts in map(self._prepare, chats.values()) if parts]
        recorded = await self._record(prepared) if prepared else []
        await asyncio.gather(*(self._deliver(parts, ids) for parts, ids in zip(prepared, recorded, strict=True)
                               if ids is not None))

    def _park(self, claimed: Claimed, exc: Exception, what: str) -> None:
        reason = f"{what}: {exc.__class__.__name__}: {exc}"
        log.error("reminder %s (user %s) %s; parked", claimed.subscription_id, claimed.subscriber_id, reason,
                  exc_info=exc)
        self.stats.parked += 1
        self._pending.parked.append((claimed, reason))

    def _prepare(self, rows: list[tuple[Claimed, datetime | None]]) -> list[tuple[Claimed, datetime | None, str, Part]]:
        """Pick each reminder's tip; a row that cannot be rendered is parked alone."""
        parts: list[tuple[Claimed, datetime | None, str, Part]] = []
        for claimed, nxt in rows:
            try:
                tip, shown, notes = self._pick_tip(claimed)
                parts.append((claimed, nxt, shown, Part(claimed.kind, tip, None, once=notes)))
            except Exception as exc:
                self._park(claimed, exc, "cannot be rendered")
        return parts

    async def _record(self, messages: list[list[tuple[Claimed, datetime | None, str, Part]]]) -> list[list[int] | None]:
        """The delivery rows of a whole batch in one statement (their ids go into the buttons).
        If a user was deleted meanwhile (``/forget``), message by message, skipping theirs."""
        now = self.clock.now()
        rows: list[list[dict[str, object]]] = [
            [{"subscriber_id": c.subscriber_id, "kind": c.kind, "tip_id": part.tip.id, "due_at": c.due_at,
              "sent_at": now, "done_at": None} for c, _, _, part in parts] for parts in messages]
        try:
            return list(await self.store.record_messages(rows))
        except IntegrityError:
            recorded: list[list[int] | None] = []
            for message in rows:
                try:
                    recorded.append((await self.store.record_messages([message]))[0])
                except IntegrityError:
                    log.info("user %s was deleted while reminders were due: nothing sent", message[0]["subscriber_id"])
                    recorded.append(None)
            return recorded

    async def _deliver(self, parts: list[tuple[Claimed, datetime | None, str, Part]], ids: list[int]) -> None:
        """Send and settle the reminders one chat has due now, as one message."""
        async with self.semaphore:
            if self.stopping:
                self._pending.unsent.extend(ids)
                return  # never started: the lease is released when the tick ends
            try:
                shown = [Part(p.kind, p.tip, delivery_id, once=p.once)
                         for (_, _, _, p), delivery_id in zip(parts, ids, strict=True)]
                # A group or channel gets a post that reads well on its own, without personal buttons.
                private = parts[0][0].chat_kind == PRIVATE
                reply = combined_reply(self.catalogue, shown) if private else post_reply(self.catalogue, shown)
            except Exception as exc:
                for claimed, _, _, _ in parts:
                    self._park(claimed, exc, "cannot be rendered")
                self._pending.unsent.extend(ids)
                return
            outcome = await self._send(parts[0][0], reply)
            self._settle_outcome(outcome, parts, ids)
        await self._maybe_flush()

    def _settle_outcome(self, outcome: Outcome, parts: list[tuple[Claimed, datetime | None, str, Part]],
                        ids: list[int]) -> None:
        pending = self._pending
        if outcome in ("sent", "unanswered"):
            self.stats.messages += 1
            self.stats.sent += len(parts)
            self.stats.coalesced += len(parts) - 1
            at = self.clock.now()  # one moment for every part of the message
            for claimed, nxt, shown, _ in parts:
                pending.finished.append((claimed, nxt, shown))
                if self.on_sent is not None:
                    self.on_sent(claimed, at)
            return
        pending.unsent.extend(ids)
        if outcome == "unstarted":
            return  # the lease is released when the tick ends
        for claimed, nxt, _, _ in parts:
            if outcome == "rejected":
                pending.finished.append((claimed, nxt, None))
            elif outcome.startswith("blocked"):
                pending.blocked[claimed.subscriber_id] = outcome.partition(":")[2].strip() or "blocked"
            else:
                self.stats.deferred += 1
                pending.retry.append((claimed, "the platform could not be reached; trying again",
                                      self._retry_at(claimed)))

    def _retry_at(self, claimed: Claimed) -> datetime:
        """30 s after a first failure, doubling with each one in a row, at most 10 minutes
        (past the grace window the reminder is skipped and the next one scheduled)."""
        return self.clock.now() + timedelta(seconds=min(30 * 2 ** claimed.attempts, 600))

    # -- writing back ----------------------------------------------------------------
    async def _maybe_flush(self) -> None:
        if len(self._pending) >= self.flush_items:
            await self._flush()
        elif self._pending and (self._flush_timer is None or self._flush_timer.done()):
            self._flush_timer = asyncio.ensure_future(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.flush_delay)
        with contextlib.suppress(Exception):  # logged by _flush; the outcomes wait for the next one
            await self._flush()

    async def _flush(self) -> None:
        """Write every outcome gathered so far. A failed write keeps them for the next try."""
        async with self._flush_lock:
            if not self._pending:
                return
            pending, self._pending = self._pending, _Pending.empty()
            try:
                await self.store.settle(self.owner, pending.finished, retry=pending.retry,
                                        parked=pending.parked, blocked=pending.blocked,
                                        unsent_delivery_ids=pending.unsent)
            except Exception:
                log.exception("could not write back %d reminder outcomes; trying again", len(pending))
                self._pending.finished[:0] = pending.finished
                self._pending.retry[:0] = pending.retry
                self._pending.parked[:0] = pending.parked
                self._pending.blocked = {**pending.blocked, **self._pending.blocked}
                self._pending.unsent[:0] = pending.unsent
                raise

    # -- sending ---------------------------------------------------------------------
    def limiter_for(self, platform: str) -> SendLimiter:
        return self.limiters.get(platform, self.limiter)

    async def _slot(self, claimed: Claimed, chat_id: str) -> bool:
        """Wait for the platform's limiter; False if a stop came first (nothing was sent)."""
        if self.stopping:
            return False
        limiter = self.limiter_for(claimed.platform)
        acquire = asyncio.ensure_future(limiter.acquire(chat_id, is_group=claimed.chat_kind != PRIVATE))
        stop = asyncio.ensure_future(self._stopping.wait())
        done, _ = await asyncio.wait({acquire, stop}, return_when=asyncio.FIRST_COMPLETED)
        if acquire in done:
            stop.cancel()
            acquire.result()
            return True
        acquire.cancel()
        return False

    async def _send(self, claimed: Claimed, reply: Reply) -> Outcome:
        chat_id, thread_id = claimed.chat_id, claimed.thread_id
        notifier = self.notifiers[claimed.platform]
        attempt = 0
        rate_limited = 0
        while True:
            if not await self._slot(claimed, chat_id):
                return "unstarted"
            try:
                await notifier.send(chat_id, reply, thread_id)
            except RateLimited as exc:
                # Not a failed attempt: everyone on this token waits, then this one goes again.
                self.stats.rate_limited += 1
                self.limiter_for(claimed.platform).pause(exc.retry_after)
                rate_limited += 1
                if rate_limited > self.max_rate_limited:
                    return "deferred"
                continue
            except Unanswered as exc:
                self.stats.unanswered += 1
                log.info("reminder %s: no answer from the platform (%s); counted as sent", claimed.subscription_id,
                         exc)
                return "unanswered"
            except Transient as exc:
                attempt += 1
                self.stats.failed_attempts += 1
                log.info("reminder %s: attempt %d failed (%s)", claimed.subscription_id, attempt, exc)
                if attempt >= self.max_attempts:
                    return "deferred"
                if self.stopping:
                    return "unstarted"
                await self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            except ChatMoved as exc:
                if not await self.store.migrate_chat(claimed.platform, chat_id, exc.new_chat_id):
                    log.info("subscriber %s: its group became a supergroup set up on its own; old settings dropped",
                             claimed.subscriber_id)
                    return "blocked: the group moved to a supergroup with settings of its own"
                chat_id = exc.new_chat_id
                continue
            except TopicGone as exc:
                if not thread_id:
                    return "blocked: " + str(exc)
                log.info("subscriber %s: forum topic %s is gone (%s); posting in the chat itself from now on",
                         claimed.subscriber_id, thread_id, exc)
                await self.store.clear_topic(claimed.subscriber_id)
                thread_id = 0
                continue
            except Blocked as exc:
                self.stats.blocked += 1
                log.info("%s chat of subscriber %s can't be reached (%s): its reminders are deactivated",
                         claimed.chat_kind, claimed.subscriber_id, exc)
                return f"blocked: {exc}"
            except Rejected as exc:
                log.warning("reminder %s rejected by the platform: %s", claimed.subscription_id, exc)
                return "rejected"
            except Exception:
                self.stats.failed_attempts += 1
                log.exception("reminder %s: unexpected error while sending", claimed.subscription_id)
                return "deferred"
            return "sent"
