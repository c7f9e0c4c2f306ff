"""A user who blocked the bot and comes back gets their reminders back on schedule (SQLite and PostgreSQL).

When a send is refused because the user blocked the bot, the dispatcher marks the user blocked and
sets every subscription's next_due_at to NULL. Here that is done with SQL, as the dispatcher leaves it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from bot.app import Services
from bot.core.router import Caller
from bot.storage.models import Delivery, Subscriber, Subscription
from tests.conftest import FakeClock

ANN = Caller("telegram", "42", "42", private=True)
BOB = Caller("telegram", "43", "43", private=True)


async def block(services: Services, person_id: str) -> None:
    """What the dispatcher does when Telegram answers 403 'bot was blocked by the user'."""
    async with services.store.engine.begin() as conn:
        await conn.execute(text("UPDATE subscribers SET blocked = TRUE WHERE person_id = :u"), {"u": person_id})
        await conn.execute(text("UPDATE subscriptions SET next_due_at = NULL WHERE subscriber_id IN "
                                "(SELECT id FROM subscribers WHERE person_id = :u)"), {"u": person_id})


async def state(services: Services, person_id: str) -> tuple[bool, dict[str, datetime | None]]:
    async with services.store.session() as session:
        user = (await session.execute(select(Subscriber).where(Subscriber.person_id == person_id))).scalar_one()
        subs = (await session.execute(select(Subscription).where(Subscription.subscriber_id == user.id))).scalars()
        return user.blocked, {s.kind: s.next_due_at for s in subs}


async def subscribe(services: Services, caller: Caller) -> None:
    for args in ("water every 60m", "posture every 30m", "tip at 08:30", "tip off"):
        await services.router.command(caller, "remind", args)


@pytest.mark.parametrize(("name", "args"), [("remind", ""), ("reminders", ""), ("stats", "")])
async def test_a_reminder_command_puts_a_returning_user_back_on_schedule(
        services: Services, clock: FakeClock, name: str, args: str) -> None:
    await subscribe(services, ANN)
    await subscribe(services, BOB)
    await block(services, "42")
    await block(services, "43")
    assert await state(services, "42") == (True, {"water": None, "posture": None, "daily": None})

    clock.set(datetime(2026, 11, 23, 11, 20, tzinfo=UTC))
    await services.router.command(ANN, name, args)
    blocked, due = await state(services, "42")
    assert not blocked
    assert due["daily"] is None  # switched off: stays off
    assert due["water"] is not None and due["posture"] is not None
    assert due["water"] > clock.now() and due["posture"] > clock.now()
    listing = (await services.router.command(ANN, "reminders", "")).text
    assert "not scheduled" not in listing
    assert "Water: every 60 min, next today 12:0" in listing  # the 12:00 slot (plus the user's phase, if any)
    assert "Posture break: every 30 min, next today 11:3" in listing
    assert await state(services, "43") == (True, {"water": None, "posture": None, "daily": None})  # Bob untouched


async def test_unblocking_keeps_a_stop_and_a_pause(services: Services, clock: FakeClock) -> None:
    await subscribe(services, ANN)
    await services.router.command(ANN, "stop", "")
    await block(services, "42")
    await services.router.command(ANN, "remind", "")
    assert await state(services, "42") == (False, {"water": None, "posture": None, "daily": None})

    await services.router.command(ANN, "resume", "")
    await services.router.command(ANN, "pause", "tomorrow")
    await block(services, "42")
    listing = (await services.router.command(ANN, "reminders", "")).text
    assert "Water: every 60 min, next Wed 25 Nov 10:0" in listing


async def test_a_button_on_an_old_reminder_brings_a_returning_user_back(services: Services, clock: FakeClock) -> None:
    await subscribe(services, ANN)
    async with services.store.session() as session, session.begin():
        user = await services.store.get_user(session, "telegram", "42")
        assert user is not None
        delivery = Delivery(subscriber_id=user.id, kind="water", tip_id="tip-water-drink", due_at=clock.now(),
                            sent_at=clock.now())
        session.add(delivery)
    await block(services, "42")
    clock.advance(minutes=30)
    reply = await services.router.button(ANN, f"r:d:{delivery.id}")
    assert reply.notice == "Logged. Nice work!"
    blocked, due = await state(services, "42")
    assert not blocked and due["water"] is not None and due["posture"] is not None


async def test_a_returning_user_with_an_unknown_stored_zone_can_set_a_new_one(services: Services) -> None:
    await subscribe(services, ANN)
    async with services.store.engine.begin() as conn:
        await conn.execute(text("UPDATE subscribers SET timezone = 'Mars/Olympus'"))
    await block(services, "42")
    reply = await services.router.command(ANN, "reminders", "")
    assert "saved time zone 'Mars/Olympus'" in reply.text and "/timezone" in reply.text
    reply = await services.router.command(ANN, "timezone", "Europe/Berlin")
    assert "Time zone set to Europe/Berlin" in reply.text
    blocked, due = await state(services, "42")
    assert not blocked and due["water"] is not None
