"""Tables. All datetimes are aware UTC; local time exists only at the edges."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite returns naive ones, which are UTC by construction."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


PRIVATE, GROUP, CHANNEL = "private", "group", "channel"


class Subscriber(Base):
    """Where reminders go: a private chat, a group (or one forum topic in it) or a channel.

    ``person_id`` is the platform's id of the person: for a private chat the person it
    belongs to, for a group or channel the administrator who last set it up (``/channels``
    lists a person's channels by it). ``chat_id`` is unique per platform: a group has one
    set of posts, in the forum topic ``thread_id`` where it was set up (0 outside topics).
    """

    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", name="uq_subscribers_platform_chat"),
        Index("ix_subscribers_person", "platform", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8), default=PRIVATE, server_default=PRIVATE)
    person_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    title: Mapped[str | None] = mapped_column(String(128), default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    window_start: Mapped[str] = mapped_column(String(5), default="09:00")
    window_end: Mapped[str] = mapped_column(String(5), default="18:00")
    days: Mapped[str] = mapped_column(String(7), default="0123456")
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    # The chat can't be reached (the person blocked the bot, the bot was removed from the
    # group or lost the right to post): nothing is scheduled until that changes.
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Seconds added to every interval slot (09:00:00 + phase, every N minutes), so that users on
    # the default settings are not all due at the same second. Daily tips keep their exact time.
    phase_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


PHASE_SPREAD_SECONDS = 600


def phase_for(platform: str, person_id: str) -> int:
    """A stable phase in [0, 600) s for a new user: the same user always gets the same one."""
    return zlib.crc32(f"{platform}:{person_id}".encode()) % PHASE_SPREAD_SECONDS


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "kind", name="uq_subscriptions_subscriber_kind"),
        Index("ix_subscriptions_next_due_at", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    at_time: Mapped[str | None] = mapped_column(String(5), default=None)
    # Due time in UTC; NULL while nothing is scheduled (off, stopped, blocked).
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A dispatcher's lease on the row: nobody else claims it before this time.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Which dispatcher holds the lease (a random token per process); NULL when nobody does.
    # With ``claimed_by`` NULL, ``claimed_until`` is a "not before" time for a retry.
    claimed_by: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    # Why the row was parked (next_due_at NULL) or last retried; shown by /reminders.
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    shown_tips: Mapped[str] = mapped_column(String(2000), default="")


class Delivery(Base):
    """One reminder message sent; its buttons point here."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    tip_id: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    # Reminders due together go out as one message: every part carries the first part's id.
    group_id: Mapped[int | None] = mapped_column(BigId, default=None, index=True)
    # What a button did to this part ("✅ Done at 10:02"), shown when the message is redrawn.
    status: Mapped[str | None] = mapped_column(String(80), default=None)
