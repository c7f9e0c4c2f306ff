"""Groups and channels end to end: the real PTB Application and dispatcher against the fake
Bot API, on SQLite and PostgreSQL. Time travels through the injected clock.

The clock starts on Monday 23 November 2026, 07:00 UTC; Paris is UTC+1 then.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.storage.models import Subscriber, Subscription
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.fakebotapi import BOT_ID, Call, Failure, FakeBotAPI

GROUP = -1001234500
ADMIN, MEMBER = 42, 43
CHANNEL = -1009876500


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    return replace(settings, database_url=database_url)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def unhurried(bot: RunningBot) -> None:
    """Telegram allows 20 messages a minute in a group, so the bot spaces its messages there 3 s
    apart in real time. These tests jump the clock by hours between messages; the people in
    them are that slow too: whatever spacing was pending has passed."""
    bot.dispatcher.limiter.chat_ready.clear()


async def group_command(bot: RunningBot, text: str, user_id: int = ADMIN, chat_id: int = GROUP,
                        thread_id: int | None = None, **kwargs: object) -> str:
    unhurried(bot)
    return html.unescape(await bot.command(text, user_id=user_id, chat_id=chat_id, chat_type="supergroup",
                                           thread_id=thread_id, **kwargs))


async def chat_row(bot: RunningBot, chat_id: int) -> tuple[Subscriber | None, dict[str, Subscription]]:
    async with bot.services.store.session() as session:
        found = await session.execute(select(Subscriber).where(Subscriber.chat_id == str(chat_id)))
        chat = found.scalar_one_or_none()
        if chat is None:
            return None, {}
        subs = (await session.execute(select(Subscription).where(Subscription.subscriber_id == chat.id))).scalars()
        return chat, {s.kind: s for s in subs}


async def tick_posts(bot: RunningBot, chat_id: int) -> list[Call]:
    unhurried(bot)
    before = len(bot.api.calls)
    await bot.dispatcher.tick()
    return [c for c in bot.api.calls[before:] if c.method.startswith("sendMessage") and c.params["chat_id"] == chat_id]


async def settled(bot: RunningBot, chat_id: int, done: Callable[[Subscriber | None], bool]
                  ) -> tuple[Subscriber | None, dict[str, Subscription]]:
    """The chat's row once the bot has handled an update that changes it (polling is async)."""
    for _ in range(200):
        chat, subs = await chat_row(bot, chat_id)
        if done(chat):
            return chat, subs
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat {chat_id} never reached the expected state")


def make_admin(api: FakeBotAPI, chat_id: int = GROUP, user_id: int = ADMIN) -> None:
    api.set_member(chat_id, user_id, "administrator")


async def test_an_admin_sets_up_tips_a_member_is_refused_and_the_tip_comes_in_the_topic(
        telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    make_admin(api)
    refused = await group_command(bot, "/grouptips@UnknotTestBot 09:00 Europe/Paris mon-fri", user_id=MEMBER)
    assert "Only this group's administrators" in refused
    chat, subs = await chat_row(bot, GROUP)
    assert chat is None and not subs  # nothing changed

    saved = await group_command(bot, "/grouptips@UnknotTestBot 09:00 Europe/Paris mon-fri", thread_id=7)
    assert "Saved. Daily tip at 09:00 (Europe/Paris, Mon-Fri), next today 09:00." in saved
    assert "topic where they were set up" in saved
    shown = await group_command(bot, "/grouptips", user_id=MEMBER)  # anyone may look
    assert "Daily tip at 09:00 (Europe/Paris, Mon-Fri), next today 09:00." in shown

    clock.set(at(23, 7, 59))  # 08:59 in Paris
    assert await tick_posts(bot, GROUP) == []
    clock.set(at(23, 8, 0, 5))
    [post] = await tick_posts(bot, GROUP)
    assert post.method == "sendMessage" and post.params["message_thread_id"] == 7
    assert post.text.startswith("<b>Tip of the day</b>")
    assert "#BackCare #" in post.text
    assert 'Source: "Facts on Upper & Low Back Spasms & Pain"' in html.unescape(post.text)
    assert "not a substitute for professional" in post.text
    assert "reply_markup" not in post.params  # no Done / Snooze in a group

    chat, subs = await chat_row(bot, GROUP)
    assert chat is not None and subs["daily"].next_due_at == at(24, 8, 0)  # Tuesday 09:00 Paris
    clock.set(at(27, 8, 0, 5))  # Friday
    await tick_posts(bot, GROUP)
    chat, subs = await chat_row(bot, GROUP)
    assert subs["daily"].next_due_at == at(30, 8, 0)  # no weekend posts: Monday next


async def test_an_anonymous_admin_counts_as_an_admin(telegram_bot: RunningBot) -> None:
    text = await group_command(telegram_bot, "/grouptips 10:30", anonymous_admin=True)
    assert "Saved. Daily tip at 10:30 (UTC, every day)" in text
    assert "Times are UTC until you add a zone" in text


async def test_bad_group_settings_get_a_friendly_reply_and_change_nothing(telegram_bot: RunningBot) -> None:
    bot = telegram_bot
    make_admin(bot.api)
    await group_command(bot, "/grouptips 09:00 Europe/Paris")
    for bad, says in [("/grouptips 25:00", "not a time of day"), ("/grouptips 09:00 Mars/Olympus", "time zone"),
                      ("/groupbreaks stretch every 5m", "every 15 minutes to every 4 hours"),
                      ("/groupbreaks stretch every 90m 10:00-99:00", "not"),
                      ("/groupbreaks juggling every 90m", "Which break?")]:
        assert says in await group_command(bot, bad), bad
    chat, subs = await chat_row(bot, GROUP)
    assert chat is not None and chat.timezone == "Europe/Paris" and subs["daily"].at_time == "09:00"
    assert set(subs) == {"daily"}


async def test_group_breaks_come_in_working_hours_only(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot = telegram_bot
    make_admin(bot.api)
    text = await group_command(bot, "/groupbreaks stretch every 90m 10:00-17:00")
    assert "Stretch breaks every 90 min, 10:00-17:00" in text
    assert "Daily tip: off" in text
    chat, subs = await chat_row(bot, GROUP)
    assert chat is not None
    first = subs["stretch"].next_due_at
    # The first break after 90 minutes of the window (11:30), plus the chat's phase.
    assert first is not None and at(23, 11, 30) <= first < at(23, 11, 40)
    clock.set(first)
    [post] = await tick_posts(bot, GROUP)
    assert post.text.startswith("<b>Stretch break</b>") and not post.buttons
    off = await group_command(bot, "/groupbreaks off")
    assert "Breaks are off" in off
    _, subs = await chat_row(bot, GROUP)
    assert subs["stretch"].next_due_at is None


async def test_personal_commands_stay_private_and_group_commands_stay_in_groups(telegram_bot: RunningBot) -> None:
    bot = telegram_bot
    assert "private chat" in await group_command(bot, "/remind water every 60m")
    assert "works inside a group" in await bot.command("/grouptips 09:00")
    assert "in a private chat" in await group_command(bot, "/channels")


async def test_a_group_that_becomes_a_supergroup_keeps_its_settings(telegram_bot: RunningBot,
                                                                    clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    old, new = -500600, -1005006000
    make_admin(api, old)
    text = await bot.command("/grouptips 09:00 Europe/Paris", user_id=ADMIN, chat_id=old, chat_type="group")
    assert "Saved." in text
    before = len(api.calls)
    await api.push_migration(old, new)
    chat, subs = await settled(bot, new, lambda c: c is not None)
    assert chat is not None and chat.timezone == "Europe/Paris" and subs["daily"].at_time == "09:00"
    assert (await chat_row(bot, old))[0] is None
    assert not [c for c in api.calls[before:] if c.method == "sendMessage"]
    clock.set(at(23, 8, 0, 5))
    [post] = await tick_posts(bot, new)
    assert post.method == "sendMessage"


async def test_removed_bot_stops_at_once_and_is_told_how_to_come_back(telegram_bot: RunningBot,
                                                                      clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    intro_at = len(api.calls)
    await api.push_my_chat_member(GROUP, "supergroup", "left", "member")
    intro = await api.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP, after=intro_at)
    assert "Hi, I'm Unknot" in html.unescape(intro.text) and "/grouptips 09:00 Europe/London mon-fri" in intro.text
    assert "not a substitute for professional" in intro.text
    make_admin(api)
    await group_command(bot, "/grouptips 09:00 Europe/Paris")

    await api.push_my_chat_member(GROUP, "supergroup", "member", "kicked")
    chat, subs = await settled(bot, GROUP, lambda c: c is not None and c.blocked)
    assert chat is not None and chat.blocked and subs["daily"].next_due_at is None
    assert chat.blocked_reason is not None and "removed" in chat.blocked_reason
    clock.set(at(23, 8, 0, 5))
    assert await tick_posts(bot, GROUP) == []  # nothing sent, not even a failed try

    back_at = len(api.calls)
    await api.push_my_chat_member(GROUP, "supergroup", "left", "member")
    back = await api.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP, after=back_at)
    assert "Thanks for having me back" in back.text and "/grouptips on" in back.text
    assert "Hi, I'm Unknot" not in html.unescape(back.text)  # the introduction comes once
    make_admin(api)
    text = await group_command(bot, "/grouptips on")
    assert "Daily tip at 09:00 (Europe/Paris, every day), next tomorrow 09:00" in text


async def test_losing_the_right_to_post_stops_posts(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    make_admin(api)
    await group_command(bot, "/grouptips 09:00")
    await api.push_my_chat_member(GROUP, "supergroup", "member", "restricted", can_send_messages=False)
    chat, subs = await settled(bot, GROUP, lambda c: c is not None and c.blocked)
    assert chat is not None and chat.blocked and subs["daily"].next_due_at is None


async def test_a_failing_group_is_deactivated_and_the_others_still_get_theirs(telegram_bot: RunningBot,
                                                                              clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    other = -1001234599
    for chat_id in (GROUP, other):
        make_admin(api, chat_id)
        await group_command(bot, "/grouptips 09:00", chat_id=chat_id)
    api.set_member(GROUP, BOT_ID, "kicked")  # kicked while the bot wasn't told (no my_chat_member)
    clock.set(at(23, 9, 0, 5))
    await bot.dispatcher.tick()
    got = [c for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == other]
    assert len(got) == 2  # the /grouptips reply and the tip
    chat, subs = await chat_row(bot, GROUP)
    assert chat is not None and chat.blocked and "kicked" in (chat.blocked_reason or "")
    assert subs["daily"].next_due_at is None


async def connect(bot: RunningBot, text: str) -> str:
    unhurried(bot)
    return html.unescape(await bot.command(text, user_id=ADMIN))


async def test_a_channel_is_connected_only_with_the_rights_it_needs(telegram_bot: RunningBot,
                                                                   clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    assert "can't find @backcarechan" in await connect(bot, "/channel @backcarechan")
    api.add_chat(CHANNEL, "channel", "Back Care Daily", username="backcarechan")
    assert "I'm not an administrator of @backcarechan" in await connect(bot, "/channel @backcarechan")
    api.set_member(CHANNEL, BOT_ID, "administrator", can_post_messages=False)
    assert "may not post messages" in await connect(bot, "/channel @backcarechan")
    api.set_member(CHANNEL, BOT_ID, "administrator")
    assert "Only administrators of @backcarechan" in await connect(bot, "/channel @backcarechan")
    assert "no channels connected" in await connect(bot, "/channels")
    api.set_member(CHANNEL, ADMIN, "creator")
    text = await connect(bot, "/channel @backcarechan 09:30 Europe/Paris")
    assert "Connected. @backcarechan: daily tip at 09:30 (Europe/Paris, every day), next today 09:30" in text
    listed = await connect(bot, "/channels")
    assert "@backcarechan: daily tip at 09:30 (Europe/Paris, every day), next today 09:30" in listed

    clock.set(at(23, 8, 30, 5))
    [post] = await tick_posts(bot, CHANNEL)
    assert post.text.startswith("<b>Tip of the day</b>") and not post.buttons
    assert "#BackCare" in post.text and "retold by Unknot" in post.text

    assert "are off" in await connect(bot, "/channel @backcarechan off")
    _, subs = await chat_row(bot, CHANNEL)
    assert subs["daily"].next_due_at is None and not subs["daily"].enabled


async def test_a_channel_is_connected_by_forwarding_one_of_its_posts(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    api.add_chat(CHANNEL, "channel", "Quiet Backs")  # a private channel: no @name
    api.set_member(CHANNEL, BOT_ID, "administrator")
    api.set_member(CHANNEL, ADMIN, "administrator")
    text = await bot.command("Stretch your hamstrings today!", user_id=ADMIN,
                             forward_from_channel={"id": CHANNEL, "title": "Quiet Backs"})
    assert "Connected. Quiet Backs: daily tip at 09:00 (UTC, every day)" in text
    chat, _ = await chat_row(bot, CHANNEL)
    assert chat is not None and chat.kind == "channel" and chat.person_id == str(ADMIN)


async def test_channel_junk_arguments_get_a_friendly_reply(telegram_bot: RunningBot) -> None:
    assert "doesn't look like a channel" in await connect(telegram_bot, "/channel #$%^")
    assert "forward me any post" in await connect(telegram_bot, "/channel")


async def test_tips_rotate_without_repeats_across_a_restart(fake_api: FakeBotAPI, settings: Settings,
                                                            clock: FakeClock) -> None:
    bot = await start_bot(fake_api, settings, clock)
    make_admin(fake_api)
    await group_command(bot, "/grouptips 09:00")
    tips = len(bot.services.catalogue.tips("daily"))
    seen: list[str] = []

    async def days(count: int, first: int) -> None:
        for day in range(first, first + count):
            clock.set(at(23, 9, 0, 5) + timedelta(days=day))
            [post] = await tick_posts(bot, GROUP)
            seen.append(post.text.split("\n\n")[1])

    await days(tips // 2, 0)
    await bot.shutdown()
    bot = await start_bot(fake_api, settings, clock)  # a restart: same database, new process state
    await days(tips - tips // 2, tips // 2)
    await bot.shutdown()
    assert len(set(seen)) == tips  # every tip once before any comes again


async def test_missing_parts_keep_what_was_set_and_breaks_take_any_sensible_interval(
        telegram_bot: RunningBot) -> None:
    bot = telegram_bot
    make_admin(bot.api)
    await group_command(bot, "/grouptips 07:45 Europe/Paris")
    text = await group_command(bot, "/grouptips weekdays")
    assert "Daily tip at 07:45 (Europe/Paris, Mon-Fri)" in text
    for interval, minutes in [("45m", 45), ("2h", 120), ("1h30m", 90), ("15min", 15), ("4h", 240)]:
        text = await group_command(bot, f"/groupbreaks posture every {interval}")
        assert f"Posture breaks every {minutes} min" in text, interval
    for bad in ("5h", "90", "10m", "1h5"):
        assert "Saved" not in await group_command(bot, f"/groupbreaks posture every {bad}"), bad
    assert "Posture breaks" not in await group_command(bot, "/groupbreaks posture off")


async def test_admin_answers_are_remembered_for_a_while(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    make_admin(api)
    await group_command(bot, "/grouptips 09:00")
    await group_command(bot, "/grouptips 10:00")
    await group_command(bot, "/groupbreaks stretch every 90m")
    asked = [c for c in api.sent("getChatMember") if c.params["user_id"] == ADMIN]
    assert len(asked) == 1


async def test_a_send_to_a_group_that_was_upgraded_follows_it(telegram_bot: RunningBot, clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    old, new = -500700, -1005007000
    make_admin(api, old)
    await bot.command("/grouptips 09:00", user_id=ADMIN, chat_id=old, chat_type="group")
    api.migrated[old] = new  # upgraded while the bot heard nothing of it
    clock.set(at(23, 9, 0, 5))
    unhurried(bot)
    await bot.dispatcher.tick()
    assert [c.params["chat_id"] for c in api.calls if c.method == "sendMessage" and "Tip of the day" in c.text] == [new]
    chat, subs = await chat_row(bot, new)
    assert chat is not None and subs["daily"].next_due_at == at(24, 9)


async def test_a_channel_that_takes_the_right_to_post_away_stops_and_says_why(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    api.add_chat(CHANNEL, "channel", "Back Care Daily", username="backcarechan")
    api.add_chat(GROUP, "supergroup", "Back Club", username="backclub")
    api.set_member(CHANNEL, BOT_ID, "administrator")
    api.set_member(CHANNEL, ADMIN, "administrator")
    assert "@backclub is a group, not a channel" in await connect(bot, "/channel @backclub")
    assert "Connected." in await connect(bot, "/channel https://t.me/backcarechan")
    await api.push_my_chat_member(CHANNEL, "channel", "administrator", "administrator", can_post_messages=False)
    _, subs = await settled(bot, CHANNEL, lambda c: c is not None and c.blocked)
    assert subs["daily"].next_due_at is None
    assert "@backcarechan: stopped, I can't post there" in await connect(bot, "/channels")
    api.set_member(CHANNEL, BOT_ID, "administrator")
    text = await connect(bot, "/channel @backcarechan on")
    assert "Connected. @backcarechan: daily tip at 09:00 (UTC, every day), next today 09:00" in text


async def test_a_persons_reminders_stay_in_their_private_chat(telegram_bot: RunningBot) -> None:
    bot = telegram_bot
    await bot.command("/remind water every 60m", user_id=ADMIN)
    await group_command(bot, "/remind water every 90m")  # refused in a group
    await bot.api.push_callback("r:t:water", 1, user_id=ADMIN, chat_id=GROUP, chat_type="supergroup")
    await bot.api.wait_for("answerCallbackQuery")
    async with bot.services.store.session() as session:
        person = await bot.services.store.get_user(session, "telegram", str(ADMIN))
        assert person is not None and person.chat_id == str(ADMIN)
        [water] = await bot.services.store.subscriptions(session, person.id)
        assert water.enabled and water.interval_minutes == 60


async def test_forget_me_removes_the_person_from_the_channels_they_connected(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    api.add_chat(CHANNEL, "channel", "Back Care Daily", username="backcarechan")
    api.set_member(CHANNEL, BOT_ID, "administrator")
    api.set_member(CHANNEL, ADMIN, "administrator")
    await connect(bot, "/channel @backcarechan")
    unhurried(bot)
    await api.push_callback("r:f:yes", 1, user_id=ADMIN)
    await api.wait_for("answerCallbackQuery")
    _, subs = await settled(bot, CHANNEL, lambda c: c is not None and c.person_id == "")
    assert subs["daily"].enabled  # the channel keeps its tips
    assert "no channels connected" in await connect(bot, "/channels")


async def test_looking_at_the_settings_stores_nothing(telegram_bot: RunningBot) -> None:
    text = await group_command(telegram_bot, "/grouptips", user_id=MEMBER)
    assert "Nothing is set up here yet. An administrator can start" in text
    assert (await chat_row(telegram_bot, GROUP))[0] is None


async def test_the_join_telegram_sends_after_an_upgrade_is_not_a_comeback(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    old, new = -500800, -1005008000
    make_admin(api, old)
    await bot.command("/grouptips 09:00", user_id=ADMIN, chat_id=old, chat_type="group")
    await api.push_migration(old, new)
    await settled(bot, new, lambda c: c is not None)
    before = len(api.calls)
    await api.push_my_chat_member(new, "supergroup", "left", "member")
    await api.push_message("/tip", user_id=ADMIN, chat_id=new, chat_type="supergroup")
    first = await api.wait_for("sendMessage", after=before)
    assert ("Another tip", "tip") in first.buttons  # the answer to /tip is the first thing said: no "welcome back"


async def test_a_send_to_an_upgraded_group_set_up_again_drops_the_old_settings(telegram_bot: RunningBot,
                                                                               clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    old, new = -500900, -1005009000
    make_admin(api, old)
    make_admin(api, new)
    await bot.command("/grouptips 09:00", user_id=ADMIN, chat_id=old, chat_type="group")
    await group_command(bot, "/grouptips 10:00", chat_id=new)
    api.migrated[old] = new
    clock.set(at(23, 9, 0, 5))
    unhurried(bot)
    await bot.dispatcher.tick()
    assert not [c for c in api.calls if c.method == "sendMessage" and "Tip of the day" in c.text]
    assert (await chat_row(bot, old))[0] is None
    _, subs = await chat_row(bot, new)
    assert subs["daily"].at_time == "10:00"


async def test_a_private_channel_is_managed_by_its_id(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    api.add_chat(CHANNEL, "channel", "Quiet Backs")
    api.set_member(CHANNEL, BOT_ID, "administrator")
    api.set_member(CHANNEL, ADMIN, "administrator")
    unhurried(bot)
    text = html.unescape(await bot.command("hello", user_id=ADMIN, forward_from_channel={"id": CHANNEL}))
    assert f"/channel {CHANNEL} off" in text
    assert "are off" in await connect(bot, f"/channel {CHANNEL} off")
    unhurried(bot)
    again = html.unescape(await bot.command("hello", user_id=ADMIN, forward_from_channel={"id": CHANNEL}))
    assert "Quiet Backs: daily tip off" in again  # a forward shows the state, it switches nothing on
    assert "Connected." in await connect(bot, f"/channel {CHANNEL} on")


async def test_the_owner_can_switch_a_channel_off_after_the_bot_lost_its_rights(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    api.add_chat(CHANNEL, "channel", "Back Care Daily", username="backcarechan")
    api.set_member(CHANNEL, BOT_ID, "administrator")
    api.set_member(CHANNEL, ADMIN, "administrator")
    await connect(bot, "/channel @backcarechan")
    await api.push_my_chat_member(CHANNEL, "channel", "administrator", "left")
    await settled(bot, CHANNEL, lambda c: c is not None and c.blocked)
    assert "are off" in await connect(bot, "/channel @backcarechan off")
    assert "daily tip off" in await connect(bot, "/channels")


async def test_telegram_not_answering_a_check_gets_a_reply(telegram_bot: RunningBot) -> None:
    bot, api = telegram_bot, telegram_bot.api
    api.fail_next("getChatMember", Failure(500, "Internal Server Error"), times=5)
    assert "Telegram didn't answer just now" in await group_command(bot, "/grouptips 09:00")
    assert (await chat_row(bot, GROUP))[0] is None


async def test_posts_whose_forum_topic_was_deleted_go_to_general(telegram_bot: RunningBot,
                                                                clock: FakeClock) -> None:
    bot, api = telegram_bot, telegram_bot.api
    make_admin(api)
    await group_command(bot, "/grouptips 09:00", thread_id=11)
    api.fail_next("sendMessage", Failure(400, "Bad Request: message thread not found"))
    clock.set(at(23, 9, 0, 5))
    posts = await tick_posts(bot, GROUP)
    assert [("message_thread_id" in c.params, c.method) for c in posts] == [(True, "sendMessage!failed"),
                                                                             (False, "sendMessage")]
    chat, _ = await chat_row(bot, GROUP)
    assert chat is not None and chat.thread_id == 0 and not chat.blocked
