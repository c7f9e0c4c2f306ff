"""Reminders end to end: the real PTB Application and dispatcher against the fake Bot API.

Time travels through the injected clock; the tests tick the dispatcher instead of sleeping.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.storage.models import Subscriber, Subscription, phase_for
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.fakebotapi import Call, Failure, FakeBotAPI

# Interval reminders run on the user's own phase (a stable offset of up to ten minutes):
# user 42's water reminders come at 10:04:05, 11:04:05 … and these tests move the clock by it.

def slot(hour: int, minute: int = 0, second: int = 0, day: int = 23, user: int = 42) -> datetime:
    """The moment ``hour:minute:second`` on the schedule of a user (shifted by its phase)."""
    phase = timedelta(seconds=phase_for("telegram", str(user)))
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC) + phase


def hm(hour: int, minute: int, user: int = 42) -> str:
    return f"{slot(hour, minute, user=user):%H:%M}"


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """Every test here runs twice: on SQLite and on PostgreSQL."""
    return replace(settings, database_url=database_url)


async def subscribe_water(bot: RunningBot, user_id: int = 42) -> None:
    text = await bot.command("/remind water every 60m", user_id=user_id)
    assert f"Saved. Water: every 60 min, next today {hm(10, 0, user_id)}" in text


async def tick_and_get(bot: RunningBot, chat_id: int = 42) -> Call:
    before = len(bot.api.calls)
    await bot.dispatcher.tick()
    return await bot.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == chat_id, after=before)


async def first_reminder(bot: RunningBot) -> Call:
    """Subscribe to water reminders and receive the 10:00 one."""
    await subscribe_water(bot)
    bot.clock.set(slot(10, 0))
    return await tick_and_get(bot)


async def press(bot: RunningBot, reminder: Call, label: str, answer_with: str = "editMessageText",
                user_id: int = 42) -> Call:
    """Press a reminder's button and return the bot's edit (or its callback answer)."""
    before = len(bot.api.calls)
    await bot.api.push_callback(dict(reminder.buttons)[label], reminder.result["message_id"], user_id=user_id)
    return await bot.api.wait_for(answer_with, after=before)


def reminders_sent(api: FakeBotAPI, chat_id: int = 42) -> list[Call]:
    return [c for c in api.sent("sendMessage") if c.params["chat_id"] == chat_id and c.text.startswith("<b>Water")]


async def test_subscribe_receive_and_press_done(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    await subscribe_water(bot)
    clock.set(slot(9, 59))
    assert await bot.dispatcher.tick() == 0  # not due yet
    clock.set(slot(10, 0, 1))
    reminder = await tick_and_get(bot)
    assert reminder.text.startswith("<b>Water</b>")
    payloads = dict(reminder.buttons)
    assert set(payloads) == {"✅ Done", "⏰ Snooze 10 min", "⏸ Pause for today"}
    assert await bot.dispatcher.tick() == 0  # sent once, advanced to 11:00

    before = len(api.calls)
    await api.push_callback(payloads["✅ Done"], reminder.result["message_id"])
    edited = await api.wait_for("editMessageText", after=before)
    assert f"✅ Done at {hm(10, 0)}" in edited.text and edited.buttons == []
    answer = api.sent("answerCallbackQuery")[-1]
    assert answer.params["text"] == "Logged. Nice work!"

    before = len(api.calls)
    await api.push_callback(payloads["✅ Done"], reminder.result["message_id"])
    again = await api.wait_for("answerCallbackQuery", after=before)
    assert again.params["text"] == "Already logged. Nice work!"

    stats = await bot.command("/stats")
    assert "Water: 1 today, 1 this week" in stats
    assert "Glasses of water: 1 today" in stats
    assert "Streak: 1 day in a row" in stats

    listing = await bot.command("/reminders")
    assert f"Water: every 60 min, next today {hm(11, 0)}" in listing


async def test_snooze_sends_again_ten_minutes_later(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    reminder = await first_reminder(bot)
    clock.advance(minutes=2)
    edited = await press(bot, reminder, "⏰ Snooze 10 min")
    assert f"Snoozed until {hm(10, 12)}" in edited.text
    clock.advance(minutes=9)
    assert await bot.dispatcher.tick() == 0
    clock.advance(minutes=1)
    await tick_and_get(bot)
    assert len(reminders_sent(api)) == 2


async def test_pause_for_today_resumes_by_itself(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    reminder = await first_reminder(bot)
    edited = await press(bot, reminder, "⏸ Pause for today")
    assert "Paused for the rest of today" in edited.text
    for hour in range(11, 19):
        clock.set(slot(hour, 0, 5))
        await bot.dispatcher.tick()
    assert len(reminders_sent(api)) == 1
    clock.set(slot(10, 0, 5, day=24))
    await tick_and_get(bot)
    assert len(reminders_sent(api)) == 2


async def test_another_users_button_changes_nothing(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    reminder = await first_reminder(bot)
    answer = await press(bot, reminder, "✅ Done", "answerCallbackQuery", user_id=666)
    assert "someone else" in answer.params["text"]
    assert api.sent("editMessageText") == []
    assert "Water: 0 today" in await bot.command("/stats")


async def test_old_button_expires_politely(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot = telegram_bot
    reminder = await first_reminder(bot)
    clock.advance(days=2)
    answer = await press(bot, reminder, "✅ Done", "answerCallbackQuery")
    assert "more than a day old" in answer.params["text"]


async def test_restart_keeps_the_schedule(fake_api: FakeBotAPI, settings: Settings, clock: FakeClock) -> None:
    bot = await start_bot(fake_api, settings, clock)
    await subscribe_water(bot)
    await bot.shutdown()

    # Down over the 10:00 slot; back four minutes later: it is sent once, less than 10 minutes late.
    clock.set(slot(10, 4))
    bot = await start_bot(fake_api, settings, clock)
    await tick_and_get(bot)
    assert await bot.dispatcher.tick() == 0
    await bot.shutdown()

    # Down from 10:30 to 13:30: the 11:00, 12:00 and 13:00 reminders are stale, none is sent.
    clock.set(slot(13, 30))
    bot = await start_bot(fake_api, settings, clock)
    await bot.dispatcher.tick()
    assert len(reminders_sent(fake_api)) == 1
    assert bot.dispatcher.stats.skipped_late == 1
    assert f"next today {hm(14, 0)}" in await bot.command("/reminders")
    clock.set(slot(14, 0))
    await tick_and_get(bot)
    await bot.shutdown()


async def test_the_scheduler_wakes_the_dispatcher(fake_api: FakeBotAPI, settings: Settings,
                                                  clock: FakeClock) -> None:
    bot = await start_bot(fake_api, settings, clock, dispatch_every=0.1)
    try:
        await subscribe_water(bot)
        clock.set(slot(10, 0))
        call = await fake_api.wait_for("sendMessage", lambda c: c.text.startswith("<b>Water"), timeout=5)
        assert call.params["chat_id"] == 42
    finally:
        await bot.shutdown()


async def test_rate_limit_retry_after_loses_nothing(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    await subscribe_water(bot)
    clock.set(slot(10, 0))
    api.fail_next("sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1))
    reminder = await tick_and_get(bot)
    failed = api.sent("sendMessage!failed")
    assert len(failed) == 1 and reminder.at - failed[0].at >= 0.9
    assert len(reminders_sent(api)) == 1


async def test_server_errors_and_timeouts_retry_with_backoff(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    await subscribe_water(bot)
    clock.set(slot(10, 0))
    api.fail_next("sendMessage", Failure(502, "Bad Gateway"))
    api.fail_next("sendMessage", Failure(500, "Internal Server Error"))
    await tick_and_get(bot)
    assert len(api.sent("sendMessage!failed")) == 2
    assert len(reminders_sent(api)) == 1


async def test_a_long_outage_keeps_the_reminder_due(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    bot.dispatcher.backoff = 0.01
    await subscribe_water(bot)
    clock.set(slot(10, 0))
    api.fail_next("sendMessage", Failure(503, "Service Unavailable"), times=4)
    await bot.dispatcher.tick()
    assert reminders_sent(api) == [] and bot.dispatcher.stats.deferred == 1
    clock.advance(seconds=29)
    assert await bot.dispatcher.tick() == 0  # not before 30 s after a first failure
    clock.advance(seconds=2)
    await tick_and_get(bot)
    assert len(reminders_sent(api)) == 1
    async with bot.services.store.session() as session:
        sub = (await session.execute(select(Subscription))).scalar_one()
    assert sub.attempts == 0 and sub.last_error is None  # a success clears the failure count


async def test_blocked_user_is_deactivated(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    await subscribe_water(bot)
    await subscribe_water(bot, user_id=44)  # due a few minutes before user 42
    api.blocked_chats.add(42)
    clock.set(slot(10, 0))
    await tick_and_get(bot, chat_id=44)
    assert bot.dispatcher.stats.blocked == 1
    async with bot.services.store.session() as session:
        user = (await session.execute(select(Subscriber).where(Subscriber.person_id == "42"))).scalar_one()
        subs = (await session.execute(select(Subscription).where(Subscription.subscriber_id == user.id))).scalars()
        assert user.blocked and all(s.next_due_at is None for s in subs)
    clock.set(slot(11, 0))
    await tick_and_get(bot, chat_id=44)
    assert bot.dispatcher.stats.blocked == 1  # no further attempts for the blocked user

    api.blocked_chats.discard(42)  # they unblock the bot and come back
    assert "back on" in await bot.command("/resume")
    clock.set(slot(12, 0))
    await tick_and_get(bot, chat_id=42)


async def test_chat_migration_updates_the_chat_id(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    await subscribe_water(bot)
    clock.set(slot(10, 0))
    api.fail_next("sendMessage", Failure(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                         migrate_to_chat_id=-1001234))
    await tick_and_get(bot, chat_id=-1001234)
    async with bot.services.store.session() as session:
        user = (await session.execute(select(Subscriber).where(Subscriber.person_id == "42"))).scalar_one()
    assert user.chat_id == "-1001234"


async def test_tips_rotate_without_repeats(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    await subscribe_water(bot)
    water_tips = bot.services.catalogue.tips("water")
    for hour in range(10, 10 + len(water_tips)):
        clock.set(slot(hour, 0))
        await tick_and_get(bot)
    bodies = [c.text.split("\n\n", 1)[1] for c in reminders_sent(api)]
    assert len(bodies) == len(water_tips) == len(set(bodies))


async def test_reminders_due_together_come_as_one_message(telegram_bot: RunningBot, clock: FakeClock) -> None:
    """Water and stretch due at the same moment: one message, with buttons for each reminder."""
    bot, api = telegram_bot, telegram_bot.api
    await bot.command("/remind water every 60m")
    await bot.command("/remind stretch every 60m")
    clock.set(slot(10, 0))
    before = len(api.calls)
    assert await bot.dispatcher.tick() == 2
    message = await api.wait_for("sendMessage", after=before)
    assert len(api.sent("sendMessage")[-1:]) == 1 and api.sent("sendMessage")[-1] is message
    assert message.text.startswith("<b>A glass of water and a stretch</b>")
    assert "Water: " in message.text and "Stretch break: " in message.text
    labels = dict(message.buttons)
    assert {"✅ Water done", "⏰ Water in 10 min", "✅ Stretch done", "⏰ Stretch in 10 min",
            "⏸ Pause all for today"} <= set(labels)
    assert bot.dispatcher.stats.coalesced == 1

    edited = await press(bot, message, "✅ Water done")
    assert f"✅ Done at {hm(10, 0)}" in edited.text
    left = dict(edited.buttons)
    assert "✅ Water done" not in left and "✅ Stretch done" in left  # stretch still has its buttons
    assert "Water: 1 today" in await bot.command("/stats")
    assert "Stretch: 0 today" in await bot.command("/stats")

    snoozed = await press(bot, message, "⏰ Stretch in 10 min")
    assert f"Snoozed until {hm(10, 10)}" in snoozed.text and f"✅ Done at {hm(10, 0)}" in snoozed.text
    assert snoozed.buttons == []  # every part is answered


async def test_group_chat_gets_pointed_to_private(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/remind@UnknotTestBot water every 60m", chat_id=-100500,
                                      chat_type="supergroup")
    assert "private chat" in text


async def test_settings_panel_edits_one_message(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    await api.push_message("/remind")
    panel = await api.wait_for("sendMessage")
    buttons = dict(panel.buttons)
    assert buttons["⬜ Water"] == "r:t:water" and buttons["every 60 min ▸"] == "r:i:water"
    message_id = panel.result["message_id"]
    before = len(api.calls)
    await api.push_callback("r:t:water", message_id)
    edited = await api.wait_for("editMessageText", after=before)
    assert edited.params["message_id"] == message_id
    assert f"Water: every 60 min, next today {hm(10, 0)}" in edited.text and "/timezone" in edited.text
    before = len(api.calls)
    await api.push_callback("r:i:water", message_id)
    edited = await api.wait_for("editMessageText", after=before)
    assert "Water: every 90 min" in edited.text
    before = len(api.calls)
    await api.push_callback("r:i:water:5", message_id)  # tampered
    answer = await api.wait_for("answerCallbackQuery", after=before)
    assert "expired" in answer.params["text"]
    assert len(api.sent("editMessageText")) == 2 and len(api.sent("sendMessage")) == 1


async def test_the_first_water_reminder_carries_the_fluid_note_once(telegram_bot: RunningBot,
                                                                     clock: FakeClock) -> None:
    bot = telegram_bot
    note = next(n for n in bot.services.catalogue.safety.notes if n.reminder == "water")
    first = await first_reminder(bot)
    assert "Unknot&#x27;s safety note" in first.text or "Unknot's safety note" in first.text
    assert note.body.split(",")[0] in first.text.replace("&#x27;", "'")
    # Past the point where every water tip has been shown and the rotation starts again.
    for hour in range(11, 17):
        clock.set(slot(hour, 0))
        later = await tick_and_get(bot)
        assert later.text.startswith("<b>Water</b>")
        assert "safety note" not in later.text


async def test_a_429_on_a_reply_pauses_reminders_too(telegram_bot: RunningBot, clock: FakeClock) -> None:
    """Replies and reminders share one limiter per token: Telegram's 429 on a reply holds
    the reminder sender back for ``retry_after`` as well, and the reply still goes out."""
    bot, api = telegram_bot, telegram_bot.api
    await subscribe_water(bot)
    api.fail_next("sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1))
    before = len(api.calls)
    await api.push_message("/ice")
    reply = await api.wait_for("sendMessage", lambda c: "ICE" in c.text.upper(), after=before)
    assert bot.dispatcher.limiter.pauses == 1
    failed = api.sent("sendMessage!failed")
    assert failed and reply.at - failed[-1].at >= 0.95  # the reply waited out retry_after
    clock.set(slot(10, 0))
    assert await bot.dispatcher.tick() == 1  # and reminders went on afterwards
