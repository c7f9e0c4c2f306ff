"""Reminder settings through the router, on SQLite and PostgreSQL, with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.router import Caller
from bot.storage.models import Subscriber, Subscription, phase_for
from tests.conftest import FakeClock

ANN = Caller("telegram", "42", "42", private=True)
# Interval reminders run on each user's stable phase (up to ten minutes past the slot).
ANN_PHASE = timedelta(seconds=phase_for("telegram", "42"))


def hm(hour: int, minute: int) -> str:
    """Ann's interval slot ``hour:minute`` as she sees it, shifted by her phase."""
    return f"{datetime(2026, 1, 1, hour, minute, tzinfo=UTC) + ANN_PHASE:%H:%M}"


BOB = Caller("telegram", "43", "43", private=True)


async def snapshot(services: Services) -> list[tuple[object, ...]]:
    async with services.store.session() as session:
        users = [(u.timezone, u.window_start, u.window_end, u.days, u.paused_until, u.stopped)
                 for u in (await session.execute(select(Subscriber).order_by(Subscriber.id))).scalars()]
        subs = [(s.kind, s.enabled, s.interval_minutes, s.at_time, s.next_due_at)
                for s in (await session.execute(select(Subscription).order_by(Subscription.id))).scalars()]
    return [*users, *subs]


async def test_text_forms_subscribe_and_schedule(services: Services, clock: FakeClock) -> None:
    router = services.router
    reply = await router.command(ANN, "remind", "water every 60m")
    assert f"Water: every 60 min, next today {hm(10, 0)}" in reply.text
    assert "/timezone" in reply.text  # asked for the zone at the first subscription
    reply = await router.command(ANN, "timezone", "Europe/Berlin")
    assert "Europe/Berlin" in reply.text and "08:00" in reply.text  # 07:00 UTC is 08:00 in Berlin
    reply = await router.command(ANN, "remind", "tip at 08:30")
    assert "Daily tip: at 08:30, next today 08:30" in reply.text  # a chosen clock time stays exact
    assert "/timezone" not in reply.text
    listing = await router.command(ANN, "reminders", "")
    assert f"Water: every 60 min, next today {hm(10, 0)}" in listing.text  # 10:00 Berlin time now
    water = next(row for row in await snapshot(services) if row[0] == "water")
    assert water[4] == datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + ANN_PHASE
    reply = await router.command(ANN, "remind", "posture off")
    assert "Posture break: off" in reply.text


@pytest.mark.parametrize(
    ("name", "args", "expect"),
    [
        ("hours", "25:00-99", "not a time of day"),
        ("timezone", "Mars/Olympus", "don't know the time zone"),
        ("remind", "water every -5m", "isn't an interval"),
        ("remind", "water every 7m", "Pick one of 45, 60, 90, 120"),
        ("remind", "tip at 31:00", "not a time of day"),
        ("remind", "dance at 9", "didn't get that"),
        ("days", "funday", "not a day"),
        ("pause", "forever", "not a duration"),
        ("pause", "", "How long"),
        ("timezone", "", "Send your time zone"),
    ],
)
async def test_bad_input_gets_a_clear_reply_and_changes_nothing(services: Services, name: str, args: str,
                                                                expect: str) -> None:
    await services.router.command(ANN, "remind", "posture every 30m")
    await services.router.command(ANN, "timezone", "Asia/Kolkata")
    before = await snapshot(services)
    reply = await services.router.command(ANN, name, args)
    assert expect in reply.text
    assert await snapshot(services) == before


async def test_panel_toggles_and_cycles_in_place(services: Services) -> None:
    panel = await services.router.command(ANN, "remind", "")
    payloads = {b.label: b.payload for b in panel.all_buttons()}
    assert payloads["⬜ Posture break"] == "r:t:posture"
    reply = await services.router.button(ANN, "r:t:posture")
    assert "Posture break: every 30 min, next" in reply.text
    reply = await services.router.button(ANN, "r:i:posture")
    assert "Posture break: every 45 min" in reply.text
    labels = [b.label for b in reply.all_buttons()]
    assert "✅ Posture break" in labels and "every 45 min ▸" in labels
    for _ in range(3):
        reply = await services.router.button(ANN, "r:i:posture")
    assert "every 30 min" in reply.text  # 45 → 60 → 20 → 30
    reply = await services.router.button(ANN, "r:i:daily")
    assert "at 12:00 ▸" in [b.label for b in reply.all_buttons()]


@pytest.mark.parametrize("payload", ["r:t:yoga", "r:i:", "r:d:abc", "r:d:999999", "r:x:1", "r:t:posture:1",
                                     "r:d:" + "9" * 40, "r:f:maybe"])
async def test_tampered_buttons_change_nothing(services: Services, payload: str) -> None:
    await services.router.command(ANN, "remind", "posture every 30m")
    before = await snapshot(services)
    reply = await services.router.button(ANN, payload)
    assert reply.notice and not reply.text
    assert await snapshot(services) == before


async def test_hours_window_crossing_midnight(services: Services, clock: FakeClock) -> None:
    await services.router.command(ANN, "remind", "posture every 60m")
    reply = await services.router.command(ANN, "hours", "22:00-06:00")
    assert "crossing midnight" in reply.text
    listing = await services.router.command(ANN, "reminders", "")
    assert f"next today {hm(23, 0)}" in listing.text


async def test_pause_resume_stop_keep_settings(services: Services, clock: FakeClock) -> None:
    router = services.router
    await router.command(ANN, "remind", "water every 90m")
    reply = await router.command(ANN, "pause", "2h")
    assert "Paused until today 09:00" in reply.text
    assert f"next today {hm(10, 30)}" in (await router.command(ANN, "reminders", "")).text
    await router.command(ANN, "pause", "tomorrow")
    assert f"next Wed 25 Nov {hm(10, 30)}" in (await router.command(ANN, "reminders", "")).text
    await router.command(ANN, "resume", "")
    assert f"next today {hm(10, 30)}" in (await router.command(ANN, "reminders", "")).text
    reply = await router.command(ANN, "stop", "")
    assert "settings are kept" in reply.text
    assert "not scheduled" in (await router.command(ANN, "reminders", "")).text
    await router.command(ANN, "resume", "")
    assert f"every 90 min, next today {hm(10, 30)}" in (await router.command(ANN, "reminders", "")).text


async def test_forget_needs_confirmation(services: Services) -> None:
    await services.router.command(ANN, "remind", "water every 60m")
    await services.router.command(BOB, "remind", "water every 60m")
    ask = await services.router.command(ANN, "forget", "")
    assert [b.payload for b in ask.all_buttons()] == ["r:f:yes", "r:f:no"]
    await services.router.button(ANN, "r:f:no")
    assert len(await snapshot(services)) == 4
    await services.router.button(ANN, "r:f:yes")
    async with services.store.session() as session:
        users = list((await session.execute(select(Subscriber.person_id))).scalars())
        subs = list((await session.execute(select(Subscription))).scalars())
    assert users == ["43"] and len(subs) == 1


async def test_reminders_are_set_up_in_private_only(services: Services) -> None:
    group = Caller("telegram", "42", "-100", private=False)
    reply = await services.router.command(group, "remind", "water every 60m")
    assert "private chat" in reply.text
    assert await snapshot(services) == []


async def test_stats_without_history(services: Services) -> None:
    reply = await services.router.command(ANN, "stats", "")
    assert "Nothing logged yet" in reply.text


async def test_now_is_the_injected_clock(services: Services, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 23, 17, 20, tzinfo=UTC))
    reply = await services.router.command(ANN, "remind", "posture every 30m")
    assert f"next today {hm(17, 30)}" in reply.text
    clock.set(datetime(2026, 11, 23, 18, 5, tzinfo=UTC))
    reply = await services.router.command(ANN, "remind", "posture every 30m")
    assert f"next tomorrow {hm(9, 30)}" in reply.text


async def test_stats_count_today_week_and_streak(services: Services, clock: FakeClock) -> None:
    from datetime import timedelta

    from bot.storage.models import Delivery

    await services.router.command(ANN, "timezone", "Asia/Kolkata")
    async with services.store.session() as session, session.begin():
        user = await services.store.get_user(session, "telegram", "42")
        assert user is not None
        now = clock.now()  # Monday 12:30 in Kolkata
        done = [("water", 0), ("water", 0), ("posture", 0), ("stretch", 1), ("posture", 2), ("water", 4),
                ("daily", 0)]
        for kind, days_ago in done:
            at = now - timedelta(days=days_ago)
            session.add(Delivery(subscriber_id=user.id, kind=kind, tip_id="tip-water-drink", due_at=at, sent_at=at,
                                 done_at=at))
        session.add(Delivery(subscriber_id=user.id, kind="water", tip_id="tip-water-drink", due_at=now, sent_at=now))
    stats = (await services.router.command(ANN, "stats", "")).text
    assert "Water: 2 today, 2 this week" in stats  # the week starts on Monday: 4 days ago was last week
    assert "Posture break: 1 today, 1 this week" in stats
    assert "Glasses of water: 2 today" in stats
    assert "Daily tip: 1 today" in stats
    assert "Streak: 3 days in a row" in stats  # today, yesterday, the day before; not 4 days ago


async def test_a_tampered_menu_pick_changes_nothing(services: Services) -> None:
    router = services.router
    for payload in ("r:v:water:91", "r:v:water:²", "r:v:daily:2500", "r:v:lunch:60", "r:v:water:60:x"):
        reply = await router.button(ANN, payload)
        assert reply.notice and "expired" in reply.notice and not reply.text, payload
    async with services.store.session() as session:
        assert await services.store.get_user(session, "telegram", "42") is None  # nothing stored
    picked = await router.button(ANN, "r:v:water:45")
    assert "Water: every 45 min, next" in picked.text


async def test_digits_int_refuses_get_a_friendly_reply_and_change_nothing(services: Services) -> None:
    """'²' is a digit to str.isdigit but not a number to int: it used to end the console and
    leave a Telegram user without a reply."""
    router = services.router
    reply = await router.command(ANN, "remind", "water every ²m")
    assert "isn't an interval I offer" in reply.text
    for payload in ("r:d:²", "r:s:¹²", "r:p:³"):
        assert (await router.button(ANN, payload)).notice is not None
    async with services.store.session() as session:
        user = await services.store.get_user(session, "telegram", "42")
        subs = await services.store.subscriptions(session, user.id) if user else []
    assert not [s for s in subs if s.enabled]
