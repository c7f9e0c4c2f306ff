"""All reminder SQL lives here. The service and dispatcher speak to it in domain terms."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.models import Delivery, Subscription, User, UTCDateTime


@dataclass(frozen=True, slots=True)
class Claimed:
    """A due subscription claimed by one dispatcher, with what it needs to send."""

    subscription_id: int
    user_id: int
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


SUBSCRIPTIONS = cast(Table, Subscription.__table__)
USERS = cast(Table, User.__table__)
DELIVERIES = cast(Table, Delivery.__table__)


class ReminderStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.is_postgres = engine.dialect.name == "postgresql"

    def session(self) -> AsyncSession:
        return self.sessions()

    # -- users -------------------------------------------------------------------
    async def get_user(self, session: AsyncSession, platform: str, platform_user_id: str) -> User | None:
        return (await session.execute(
            select(User).where(User.platform == platform, User.platform_user_id == platform_user_id)
        )).scalar_one_or_none()

    async def get_or_create_user(self, session: AsyncSession, platform: str, platform_user_id: str,
                                 chat_id: str, now: datetime) -> User:
        user = await self.get_user(session, platform, platform_user_id)
        if user is None:
            user = User(platform=platform, platform_user_id=platform_user_id, chat_id=chat_id, created_at=now,
                        window_start="09:00", window_end="18:00", days="0123456", stopped=False, blocked=False)
            session.add(user)
            await session.flush()
        return user

    async def subscriptions(self, session: AsyncSession, user_id: int) -> list[Subscription]:
        return list((await session.execute(
            select(Subscription).where(Subscription.user_id == user_id).order_by(Subscription.id)
        )).scalars())

    async def delete_user(self, session: AsyncSession, user_id: int) -> None:
        await session.execute(delete(Delivery).where(Delivery.user_id == user_id))
        await session.execute(delete(Subscription).where(Subscription.user_id == user_id))
        await session.execute(delete(User).where(User.id == user_id))

    # -- deliveries ----------------------------------------------------------------
    async def get_delivery(self, session: AsyncSession, delivery_id: int) -> Delivery | None:
        return await session.get(Delivery, delivery_id)

    async def done_since(self, session: AsyncSession, user_id: int, since: datetime) -> list[tuple[str, datetime]]:
        rows = await session.execute(
            select(Delivery.kind, Delivery.done_at).where(
                Delivery.user_id == user_id, Delivery.done_at.is_not(None), Delivery.done_at >= since
            )
        )
        return [(kind, done) for kind, done in rows if done is not None]

    # -- dispatch ------------------------------------------------------------------
    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
        """Atomically lease up to ``limit`` due subscriptions to this caller, most overdue first.

        PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets several dispatchers claim disjoint
        batches at once, and one ``UPDATE … FROM users … RETURNING`` brings back all a
        reminder needs. SQLite has one writer at a time, so the UPDATE alone is atomic there.
        A lease that runs out (a crashed dispatcher) makes the row claimable again.
        """
        subs, users = SUBSCRIPTIONS, USERS
        due = and_(subs.c.next_due_at <= now, or_(subs.c.claimed_until.is_(None), subs.c.claimed_until <= now))
        pick = select(subs.c.id).where(due).order_by(subs.c.next_due_at).limit(limit)
        sub_cols = [subs.c.id, subs.c.user_id, subs.c.kind, subs.c.interval_minutes, subs.c.at_time,
                    subs.c.next_due_at, subs.c.attempts, subs.c.shown_tips]
        user_cols = [users.c.platform, users.c.chat_id, users.c.timezone, users.c.window_start,
                     users.c.window_end, users.c.days, users.c.paused_until]
        claim = update(subs).where(subs.c.id.in_(pick.scalar_subquery()), due).values(claimed_until=now + lease)
        async with self.engine.begin() as conn:
            if self.is_postgres:
                pick = pick.with_for_update(skip_locked=True)
                claim = (update(subs).where(subs.c.id.in_(pick.scalar_subquery()), due, users.c.id == subs.c.user_id)
                         .values(claimed_until=now + lease))
                rows = [tuple(r) for r in await conn.execute(claim.returning(*sub_cols, *user_cols))]
            else:
                claimed = [tuple(r) for r in await conn.execute(claim.returning(*sub_cols))]
                if not claimed:
                    return []
                user_ids = sorted({r[1] for r in claimed})
                found = {r[0]: tuple(r[1:]) for r in await conn.execute(
                    select(users.c.id, *user_cols).where(users.c.id.in_(user_ids)))}
                rows = [r + found[r[1]] for r in claimed]
        result = [Claimed(*row) for row in rows]
        result.sort(key=lambda c: c.due_at)
        return result

    async def record_deliveries(self, deliveries: list[dict[str, object]]) -> list[int]:
        """Insert delivery rows in one statement; their ids go into the reminder buttons."""
        if not deliveries:
            return []
        table = DELIVERIES
        async with self.engine.begin() as conn:
            result = await conn.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), deliveries
            )
            return [row[0] for row in result]

    async def settle(
        self,
        finished: list[tuple[Claimed, datetime | None, str | None]],
        retry: Sequence[Claimed] = (),
        retry_at: datetime | None = None,
        blocked_user_ids: Collection[int] = (),
        unsent_delivery_ids: Sequence[int] = (),
    ) -> None:
        """Write back a whole batch in one transaction.

        ``finished`` rows move to their next due time and lose their lease, unless the user
        changed settings (or snoozed) while the batch was out: then their new time stands.
        ``retry`` rows stay due, leased until ``retry_at``. Blocked users stop being scheduled.
        """
        subs = SUBSCRIPTIONS
        async with self.engine.begin() as conn:
            if finished:
                unchanged = subs.c.next_due_at == bindparam("b_due", type_=UTCDateTime())
                await conn.execute(
                    update(subs).where(subs.c.id == bindparam("b_id")).values(
                        next_due_at=case((unchanged, bindparam("b_next", type_=UTCDateTime())),
                                         else_=subs.c.next_due_at),
                        claimed_until=None,
                        attempts=0,
                        shown_tips=func.coalesce(bindparam("b_shown", type_=subs.c.shown_tips.type),
                                                 subs.c.shown_tips),
                    ),
                    [{"b_id": c.subscription_id, "b_due": c.due_at, "b_next": nxt, "b_shown": shown}
                     for c, nxt, shown in finished],
                )
            if retry:
                await conn.execute(
                    update(subs).where(subs.c.id.in_([c.subscription_id for c in retry]))
                    .values(claimed_until=retry_at, attempts=subs.c.attempts + 1)
                )
            if blocked_user_ids:
                ids = sorted(blocked_user_ids)
                await conn.execute(update(USERS).where(USERS.c.id.in_(ids)).values(blocked=True))
                await conn.execute(update(subs).where(subs.c.user_id.in_(ids))
                                   .values(next_due_at=None, claimed_until=None))
            if unsent_delivery_ids:
                await conn.execute(delete(DELIVERIES).where(DELIVERIES.c.id.in_(list(unsent_delivery_ids))))

    async def move_chat(self, user_id: int, chat_id: str) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(update(User).where(User.id == user_id).values(chat_id=chat_id))
