"""All reminder SQL lives here. The service and dispatcher speak to it in domain terms."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.models import CHANNEL, PRIVATE, Delivery, Subscriber, Subscription, UTCDateTime, phase_for


@dataclass(frozen=True, slots=True)
class Claimed:
    """A due subscription claimed by one dispatcher, with what it needs to send."""

    subscription_id: int
    subscriber_id: int
    kind: str
    interval_minutes: int | None
    at_time: str | None
    due_at: datetime
    attempts: int
    shown_tips: str
    platform: str
    chat_id: str
    timezone: str | None
    window_start: str
    window_end: str
    days: str
    paused_until: datetime | None
    phase_seconds: int = 0
    chat_kind: str = PRIVATE
    thread_id: int = 0
    title: str | None = None


SUBSCRIPTIONS = cast(Table, Subscription.__table__)
SUBSCRIBERS = cast(Table, Subscriber.__table__)
DELIVERIES = cast(Table, Delivery.__table__)


class ReminderStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.is_postgres = engine.dialect.name == "postgresql"

    def session(self) -> AsyncSession:
        return self.sessions()

    # -- subscribers -------------------------------------------------------------
    async def get_user(self, session: AsyncSession, platform: str, person_id: str) -> Subscriber | None:
        """The person's private chat."""
        return (await session.execute(
            select(Subscriber).where(Subscriber.platform == platform, Subscriber.person_id == person_id,
                                     Subscriber.kind == PRIVATE)
        )).scalar_one_or_none()

    async def get_or_create_user(self, session: AsyncSession, platform: str, person_id: str,
                                 chat_id: str, now: datetime) -> Subscriber:
        user = await self.get_user(session, platform, person_id)
        if user is None:
            user = Subscriber(platform=platform, kind=PRIVATE, person_id=person_id, chat_id=chat_id, thread_id=0,
                              created_at=now, window_start="09:00", window_end="18:00", days="0123456",
                              stopped=False, blocked=False, phase_seconds=phase_for(platform, person_id))
            session.add(user)
            await session.flush()
        return user

    async def get_chat(self, session: AsyncSession, platform: str, chat_id: str) -> Subscriber | None:
        """A group's or channel's row (or a private chat's, by its chat id)."""
        return (await session.execute(
            select(Subscriber).where(Subscriber.platform == platform, Subscriber.chat_id == chat_id)
        )).scalar_one_or_none()

    async def get_or_create_chat(self, session: AsyncSession, platform: str, kind: str, chat_id: str,
                                 person_id: str, now: datetime, title: str | None = None) -> Subscriber:
        """A group or channel as a subscriber; a new one starts with every reminder off,
        the whole day and week open, and no time zone."""
        chat = await self.get_chat(session, platform, chat_id)
        if chat is None:
            chat = Subscriber(platform=platform, kind=kind, person_id=person_id, chat_id=chat_id, thread_id=0,
                              title=title, created_at=now, window_start="09:00", window_end="18:00",
                              days="0123456", stopped=False, blocked=False,
                              phase_seconds=phase_for(platform, chat_id))
            session.add(chat)
            await session.flush()
        return chat

    async def channels_of(self, session: AsyncSession, platform: str, person_id: str) -> list[Subscriber]:
        return list((await session.execute(
            select(Subscriber).where(Subscriber.platform == platform, Subscriber.person_id == person_id,
                                     Subscriber.kind == CHANNEL).order_by(Subscriber.title, Subscriber.id)
        )).scalars())

    async def channel_by_ref(self, session: AsyncSession, platform: str, ref: str) -> Subscriber | None:
        """A connected channel by its id, or by the @name it was connected with."""
        query = select(Subscriber).where(Subscriber.platform == platform, Subscriber.kind == CHANNEL)
        if ref.lstrip("-").isdigit():
            query = query.where(Subscriber.chat_id == ref)
        else:
            query = query.where(func.lower(Subscriber.title) == ref.lower())
        return (await session.execute(query.limit(1))).scalar_one_or_none()

    async def clear_topic(self, subscriber_id: int) -> None:
        """The forum topic is gone: the chat's posts go to the chat itself (General)."""
        async with self.engine.begin() as conn:
            await conn.execute(update(SUBSCRIBERS).where(SUBSCRIBERS.c.id == subscriber_id).values(thread_id=0))

    async def forget_person(self, session: AsyncSession, platform: str, person_id: str) -> None:
        """The person asked to be forgotten: the groups and channels they set up keep posting,
        but no longer say who set them up."""
        await session.execute(update(Subscriber).where(Subscriber.platform == platform,
                                                       Subscriber.person_id == person_id,
                                                       Subscriber.kind != PRIVATE).values(person_id=""))

    async def deactivate_chat(self, platform: str, chat_id: str, reason: str) -> bool:
        """The chat can't take posts any more (the bot was removed, lost its rights): nothing
        is scheduled for it from now on, and nothing is sent first to find out. True if known."""
        async with self.engine.begin() as conn:
            ids = [r[0] for r in await conn.execute(
                update(SUBSCRIBERS).where(SUBSCRIBERS.c.platform == platform, SUBSCRIBERS.c.chat_id == chat_id)
                .values(blocked=True, blocked_reason=reason[:200]).returning(SUBSCRIBERS.c.id))]
            if ids:
                await conn.execute(update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.subscriber_id.in_(ids))
                                   .values(next_due_at=None, claimed_until=None, claimed_by=None))
            return bool(ids)

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> bool:
        """A group became a supergroup: its row (settings, reminders, rotation) moves to the new
        id, and True. A row the new id already has without any reminder on (an introduction)
        gives way; one with reminders on stays, the old row is deleted, and False."""
        async with self.sessions() as session, session.begin():
            old = await self.get_chat(session, platform, old_chat_id)
            if old is None:
                return False
            new = await self.get_chat(session, platform, new_chat_id)
            if new is not None:
                if any(s.enabled for s in await self.subscriptions(session, new.id)):
                    # Set up again in the supergroup already: those settings win, the old go.
                    await self.delete_user(session, old.id)
                    return False
                await self.delete_user(session, new.id)
                await session.flush()
            old.chat_id = new_chat_id
            return True

    async def subscriptions(self, session: AsyncSession, subscriber_id: int) -> list[Subscription]:
        return list((await session.execute(
            select(Subscription).where(Subscription.subscriber_id == subscriber_id).order_by(Subscription.id)
        )).scalars())

    async def delete_user(self, session: AsyncSession, subscriber_id: int) -> None:
        await session.execute(delete(Delivery).where(Delivery.subscriber_id == subscriber_id))
        await session.execute(delete(Subscription).where(Subscription.subscriber_id == subscriber_id))
        await session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))

    # -- deliveries ----------------------------------------------------------------
    async def get_delivery(self, session: AsyncSession, delivery_id: int) -> Delivery | None:
        return await session.get(Delivery, delivery_id)

    async def done_since(self, session: AsyncSession, subscriber_id: int,
                         since: datetime) -> list[tuple[str, datetime]]:
        rows = await session.execute(
            select(Delivery.kind, Delivery.done_at).where(
                Delivery.subscriber_id == subscriber_id, Delivery.done_at.is_not(None), Delivery.done_at >= since
            )
        )
        return [(kind, done) for kind, done in rows if done is not None]

    # -- dispatch ------------------------------------------------------------------
    async def claim_due(self, now: datetime, limit: int, lease: timedelta, owner: str = "",
                        platforms: Collection[str] | None = None) -> list[Claimed]:
        """Atomically lease the due subscriptions of up to ``limit`` users to ``owner``, most
        overdue first.

        PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets several dispatchers claim disjoint
        batches at once, and one ``UPDATE … FROM subscribers … RETURNING`` brings back all a
        reminder needs. SQLite has one writer at a time, so the UPDATE alone is atomic there.
        A lease that runs out (a crashed dispatcher) makes the row claimable again; a live
        dispatcher renews its leases (``renew``) while it works. ``platforms``: claim only the
        reminders of these platforms (the ones this process can send).
        """
        subs, subscribers = SUBSCRIPTIONS, SUBSCRIBERS
        due = and_(subs.c.next_due_at <= now, or_(subs.c.claimed_until.is_(None), subs.c.claimed_until <= now))
        # The users of the ``limit`` most overdue rows, and every row of theirs that is due: a
        # user's reminders due together are claimed together and go out as one message.
        pick = select(subs.c.subscriber_id).where(due).order_by(subs.c.next_due_at).limit(limit)
        if platforms is not None:  # only what this process can send: the rest keeps its grace window
            pick = pick.join(subscribers, subscribers.c.id == subs.c.subscriber_id).where(
                subscribers.c.platform.in_(sorted(platforms)))
        sub_cols = [subs.c.id, subs.c.subscriber_id, subs.c.kind, subs.c.interval_minutes, subs.c.at_time,
                    subs.c.next_due_at, subs.c.attempts, subs.c.shown_tips]
        chat_cols = [subscribers.c[name] for name in (
            "platform", "chat_id", "timezone", "window_start", "window_end", "days", "paused_until", "phase_seconds",
            "kind", "thread_id", "title")]
        lease_values = {"claimed_until": now + lease, "claimed_by": owner or None}
        claim = update(subs).where(subs.c.subscriber_id.in_(pick.scalar_subquery()), due).values(**lease_values)
        async with self.engine.begin() as conn:
            if self.is_postgres:
                pick = pick.with_for_update(skip_locked=True)
                claim = (update(subs).where(subs.c.subscriber_id.in_(pick.scalar_subquery()), due,
                                            subscribers.c.id == subs.c.subscriber_id).values(**lease_values))
                rows = [tuple(r) for r in await conn.execute(claim.returning(*sub_cols, *chat_cols))]
            else:
                claimed = [tuple(r) for r in await conn.execute(claim.returning(*sub_cols))]
                if not claimed:
                    return []
                subscriber_ids = sorted({r[1] for r in claimed})
                found = {r[0]: tuple(r[1:]) for r in await conn.execute(
                    select(subscribers.c.id, *chat_cols).where(subscribers.c.id.in_(subscriber_ids)))}
                rows = [r + found[r[1]] for r in claimed if r[1] in found]
        result = [Claimed(*row) for row in rows]
        result.sort(key=lambda c: c.due_at)
        return result

    async def renew(self, owner: str, until: datetime) -> int:
        """Extend every lease ``owner`` still holds (a batch that runs long keeps its rows)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.claimed_by == owner)
                                        .values(claimed_until=until))
            return int(result.rowcount or 0)

    async def release(self, owner: str, subscription_ids: Collection[int] | None = None) -> int:
        """Give back leases not acted on (a stop): another dispatcher may claim them at once."""
        subs = SUBSCRIPTIONS
        query = update(subs).where(subs.c.claimed_by == owner)
        if subscription_ids is not None:
            if not subscription_ids:
                return 0
            query = query.where(subs.c.id.in_(sorted(subscription_ids)))
        async with self.engine.begin() as conn:
            result = await conn.execute(query.values(claimed_by=None, claimed_until=None))
            return int(result.rowcount or 0)

    async def record_messages(self, messages: list[list[dict[str, object]]]) -> list[list[int]]:
        """Insert the delivery rows of several messages in one statement; their ids go into the
        buttons. The parts of a combined message get its first part's id as ``group_id``.
        Raises ``IntegrityError`` if a user was deleted meanwhile (``/forget``)."""
        flat = [row for message in messages for row in message]
        if not flat:
            return [[] for _ in messages]
        table = DELIVERIES
        async with self.engine.begin() as conn:
            result = await conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), flat)
            ids = [row[0] for row in result]
            out: list[list[int]] = []
            groups: list[dict[str, int]] = []
            start = 0
            for message in messages:
                part_ids = ids[start: start + len(message)]
                start += len(message)
                out.append(part_ids)
                if len(part_ids) > 1:
                    groups.extend({"b_id": i, "b_group": part_ids[0]} for i in part_ids)
            if groups:
                await conn.execute(update(table).where(table.c.id == bindparam("b_id"))
                                   .values(group_id=bindparam("b_group")), groups)
            return out

    async def record_deliveries(self, deliveries: list[dict[str, object]]) -> list[int]:
        """The delivery rows of one message (see ``record_messages``)."""
        return (await self.record_messages([deliveries]))[0]

    async def settle(
        self,
        owner: str,
        finished: Sequence[tuple[Claimed, datetime | None, str | None]] = (),
        retry: Sequence[tuple[Claimed, str, datetime]] = (),
        parked: Sequence[tuple[Claimed, str]] = (),
        blocked: Mapping[int, str] | None = None,
        unsent_delivery_ids: Sequence[int] = (),
    ) -> None:
        """Write back the outcome of some claimed rows (a message or a few), in one transaction.

        Only rows still leased to ``owner`` change: a lease that ran out and went to another
        dispatcher is not touched. ``finished`` rows move to their next due time and lose
        their lease, unless the user changed settings (or snoozed) while the row was out: then
        their new time stands. ``retry`` rows stay due, not before their retry time, with the
        reason (``attempts`` counts the retries in a row). ``parked`` rows stop being
        scheduled, with the reason (shown by /reminders). Blocked chats (id -> why) stop being
        scheduled.
        """
        subs = SUBSCRIPTIONS
        mine = subs.c.claimed_by == owner if owner else subs.c.claimed_by.is_(None)
        unchanged = subs.c.next_due_at == bindparam("b_due", type_=UTCDateTime())
        async with self.engine.begin() as conn:
            if finished:
                await conn.execute(
                    update(subs).where(subs.c.id == bindparam("b_id"), mine).values(
                        next_due_at=case((unchanged, bindparam("b_next", type_=UTCDateTime())),
                                         else_=subs.c.next_due_at),
                        claimed_until=None,
                        claimed_by=None,
                        attempts=0,
                        last_error=None,
                        shown_tips=func.coalesce(bindparam("b_shown", type_=subs.c.shown_tips.type),
                                                 subs.c.shown_tips),
                    ),
                    [{"b_id": c.subscription_id, "b_due": c.due_at, "b_next": nxt, "b_shown": shown}
                     for c, nxt, shown in finished],
                )
            if retry:
                await conn.execute(
                    update(subs).where(subs.c.id == bindparam("b_id"), mine).values(
                        claimed_until=bindparam("b_at", type_=UTCDateTime()), claimed_by=None,
                        attempts=subs.c.attempts + 1,
                        last_error=bindparam("b_reason", type_=subs.c.last_error.type)),
                    [{"b_id": c.subscription_id, "b_reason": reason[:200], "b_at": at} for c, reason, at in retry],
                )
            if parked:
                await conn.execute(
                    update(subs).where(subs.c.id == bindparam("b_id"), mine).values(
                        next_due_at=case((unchanged, None), else_=subs.c.next_due_at),
                        claimed_until=None, claimed_by=None,
                        last_error=bindparam("b_reason", type_=subs.c.last_error.type)),
                    [{"b_id": c.subscription_id, "b_due": c.due_at, "b_reason": reason[:200]}
                     for c, reason in parked],
                )
            if blocked:
                ids = sorted(blocked)
                await conn.execute(update(SUBSCRIBERS).where(SUBSCRIBERS.c.id == bindparam("b_id"))
                                   .values(blocked=True, blocked_reason=bindparam("b_reason")),
                                   [{"b_id": i, "b_reason": blocked[i][:200]} for i in ids])
                await conn.execute(update(subs).where(subs.c.subscriber_id.in_(ids))
                                   .values(next_due_at=None, claimed_until=None, claimed_by=None))
            if unsent_delivery_ids:
                await conn.execute(delete(DELIVERIES).where(DELIVERIES.c.id.in_(list(unsent_delivery_ids))))

    async def prune_deliveries(self, now: datetime, keep_undone: timedelta = timedelta(days=2),
                               keep_done: timedelta = timedelta(days=400)) -> int:
        """Delete delivery rows nobody needs: unanswered ones after their buttons expired
        (a day for ✅ Done), answered ones once older than what /stats counts."""
        table = DELIVERIES
        old = or_(and_(table.c.done_at.is_(None), table.c.sent_at < now - keep_undone),
                  table.c.sent_at < now - keep_done)
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(table).where(old))
            return int(result.rowcount or 0)

    async def group_parts(self, session: AsyncSession, group_id: int) -> list[Delivery]:
        """The parts of one combined reminder message, in the order they were shown."""
        return list((await session.execute(
            select(Delivery).where(Delivery.group_id == group_id).order_by(Delivery.id))).scalars())
