"""Discord end to end: the bot's real discord.py client against the fake Discord on loopback.

The whole bot runs (``run_bots`` with only a Discord token): it logs in, registers its slash
commands, answers them, answers DMs, sends reminders by DM with buttons that work after a
restart, posts channel tips for a member with Manage Server, and deactivates a closed DM.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Services, run_bots
from bot.config import Secret, Settings
from bot.reminders.dispatcher import Dispatcher
from bot.storage.models import Subscriber, Subscription
from tests.conftest import FakeClock
from tests.fakediscord import DEFAULT_USER_ID, EPHEMERAL, MANAGE_GUILD, FakeDiscord

GUILD = 881_234_567_890_123_456
CHANNEL = 881_234_567_890_123_457
ADMIN = 700_000_000_000_000_001
MEMBER = 700_000_000_000_000_002
ANN = DEFAULT_USER_ID


@dataclass
class RunningDiscord:
    fake: FakeDiscord
    task: asyncio.Task[None]
    stop: asyncio.Event
    services: Services
    dispatcher: Dispatcher

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 15)


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    return replace(settings, database_url=database_url)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.add_guild(GUILD, "Back Club", channels=[CHANNEL], members={ADMIN: MANAGE_GUILD, MEMBER: None, ANN: None})
    try:
        with server.point_discord_py():
            yield server
    finally:
        await server.stop()


async def start(fake: FakeDiscord, settings: Settings, clock: FakeClock) -> RunningDiscord:
    settings = replace(settings, discord_token=Secret(fake.token), discord_api_base=fake.api_base)
    stop = asyncio.Event()
    got: dict[str, Any] = {}

    def ready(services: Services, dispatcher: Dispatcher) -> None:
        got["services"], got["dispatcher"] = services, dispatcher

    synced_before = fake.sessions if isinstance(fake.sessions, int) else len(fake.sessions)
    task = asyncio.create_task(run_bots(settings, stop=stop, clock=clock, poll_timeout=1, dispatch_every=None,
                                        ready=ready))
    await fake.wait_until(lambda: fake.commands() and got.get("dispatcher"), timeout=15)
    await fake.wait_until(lambda: (fake.sessions if isinstance(fake.sessions, int) else len(fake.sessions))
                          > synced_before, timeout=15)
    return RunningDiscord(fake, task, stop, got["services"], got["dispatcher"])


@pytest.fixture
async def bot(fake: FakeDiscord, settings: Settings, clock: FakeClock) -> AsyncIterator[RunningDiscord]:
    running = await start(fake, settings, clock)
    yield running
    if not running.task.done():
        with suppress(Exception):
            await running.shutdown()


def embed_of(message: dict[str, Any]) -> dict[str, Any]:
    return (message.get("embeds") or [{}])[0]


def answer_of(callback: dict[str, Any]) -> dict[str, Any]:
    return callback.get("data") or {}


async def person_and_water(bot: RunningDiscord) -> tuple[Subscriber, Subscription]:
    """Ann's private subscriber row and her one reminder."""
    async with bot.services.store.session() as session:
        person = await bot.services.store.get_user(session, "discord", str(ANN))
        assert person is not None
        [water] = await bot.services.store.subscriptions(session, person.id)
    return person, water


async def slash(fake: FakeDiscord, name: str, **kwargs: Any) -> dict[str, Any]:
    interaction = await fake.push_slash(name, **kwargs)
    return answer_of(await fake.wait_for_callback(interaction))


async def test_commands_are_registered_and_a_topic_is_answered_as_an_embed(bot: RunningDiscord) -> None:
    fake = bot.fake
    names = {c["name"] for c in fake.commands()}
    assert {"spasm", "ice", "topics", "tip", "ask", "remind", "timezone", "stats", "channeltips"} <= names
    assert not {"grouptips", "channel"} & names  # Telegram's group commands are not Discord's
    assert len(names) <= 100
    answer = await slash(fake, "ice")
    embed = embed_of(answer)
    assert embed["title"] == "Ice for back spasms" and "10 to 20 minutes" in embed["description"]
    assert "Facts on Upper & Low Back Spasms & Pain" in embed["footer"]["text"]
    assert "not a substitute for professional" in embed["footer"]["text"]


async def test_a_question_in_a_dm_is_answered_and_in_a_server_only_when_mentioned(bot: RunningDiscord) -> None:
    fake = bot.fake
    dm = fake.dm_channel(ANN)
    await fake.push_message("is ice ok for a back spasm?", author_id=ANN)
    reply = await fake.wait_until(lambda: [m for m in fake.messages_in(int(dm["id"])) if m.get("embeds")])
    assert "ice" in embed_of(reply[0])["description"].lower()

    await fake.push_message("is heat good?", author_id=MEMBER, channel_id=CHANNEL, guild_id=GUILD)
    await fake.push_message("does heat help a spasm?", author_id=MEMBER, channel_id=CHANNEL, guild_id=GUILD,
                            mentions_bot=True)
    answered = await fake.wait_until(lambda: [m for m in fake.messages_in(CHANNEL) if m.get("embeds")])
    assert len(answered) == 1 and "heat" in embed_of(answered[0])["description"].lower()


async def test_ask_takes_the_free_text_path_and_a_crisis_gets_help(bot: RunningDiscord) -> None:
    answer = await slash(bot.fake, "ask", options={"question": "i want to kill myself"})
    text = embed_of(answer)["description"]
    assert "988" in text and "116 123" in text


async def test_a_reminder_comes_by_dm_and_its_buttons_work_after_a_restart(
        fake: FakeDiscord, settings: Settings, clock: FakeClock) -> None:
    running = await start(fake, settings, clock)
    answer = await slash(fake, "remind", options={"text": "water every 60m"}, guild_id=GUILD, channel_id=CHANNEL)
    assert answer["flags"] & EPHEMERAL  # personal: only the asker sees it in a server
    assert "Saved. Water: every 60 min" in embed_of(answer)["description"]
    async with running.services.store.session() as session:
        person = await running.services.store.get_user(session, "discord", str(ANN))
        assert person is not None and person.chat_id == fake.dm_channel(ANN)["id"]
        [water] = await running.services.store.subscriptions(session, person.id)
    assert water.next_due_at is not None
    clock.set(water.next_due_at + timedelta(seconds=1))
    await running.dispatcher.tick()
    dm = int(fake.dm_channel(ANN)["id"])
    [reminder] = await fake.wait_until(lambda: fake.messages_in(dm))
    assert embed_of(reminder)["title"] == "Water"
    buttons = {c["label"]: c["custom_id"] for row in reminder["components"] for c in row["components"]}
    assert set(buttons) == {"✅ Done", "⏰ Snooze 10 min", "⏸ Pause for today"}
    await running.shutdown()

    restarted = await start(fake, settings, clock)  # a new process: nothing registered for this message
    pressed = await fake.push_component(buttons["✅ Done"], int(reminder["id"]), user_id=ANN)
    callback = await fake.wait_for_callback(pressed)
    assert callback["type"] == 7  # the reminder message is edited in place
    assert "✅ Done at" in embed_of(answer_of(callback))["description"]
    stats = await slash(fake, "stats")
    assert "Water: 1 today" in embed_of(stats)["description"]
    await restarted.shutdown()


async def test_channel_tips_are_refused_for_a_member_and_posted_for_an_admin(bot: RunningDiscord,
                                                                            clock: FakeClock) -> None:
    fake = bot.fake
    [command] = [c for c in fake.commands() if c["name"] == "channeltips"]
    assert command["default_member_permissions"] == str(MANAGE_GUILD)
    with pytest.raises(PermissionError):  # Discord hides it from members without Manage Server ...
        await fake.push_slash("channeltips", options={"channel": str(CHANNEL)}, user_id=MEMBER, guild_id=GUILD)
    fake.command_overrides.add((GUILD, "channeltips"))  # ... unless the server's admins opened it to all
    refused = await slash(fake, "channeltips", options={"channel": str(CHANNEL), "settings": "09:00 Europe/Paris"},
                          user_id=MEMBER, guild_id=GUILD, channel_id=CHANNEL)
    assert "Manage Server" in embed_of(refused)["description"] and refused["flags"] & EPHEMERAL
    async with bot.services.store.session() as session:
        assert await bot.services.store.get_chat(session, "discord", str(CHANNEL)) is None

    saved = await slash(fake, "channeltips", options={"channel": str(CHANNEL), "settings": "09:00 Europe/Paris"},
                        user_id=ADMIN, guild_id=GUILD, channel_id=CHANNEL)
    assert "Daily tip at 09:00 (Europe/Paris, every day), next today 09:00" in embed_of(saved)["description"]
    clock.set(datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC))
    await bot.dispatcher.tick()
    [post] = await fake.wait_until(lambda: [m for m in fake.messages_in(CHANNEL) if m.get("embeds")
                                            and not (m.get("flags") or 0) & EPHEMERAL])
    assert embed_of(post)["title"] == "Tip of the day" and "#BackCare" in embed_of(post)["description"]
    assert not post.get("components")  # no personal buttons in a channel


async def test_closed_dms_deactivate_the_person_at_once(bot: RunningDiscord, clock: FakeClock) -> None:
    fake = bot.fake
    await slash(fake, "remind", options={"text": "water every 60m"})
    fake.close_dms(ANN)
    person, water = await person_and_water(bot)
    assert water.next_due_at is not None
    clock.set(water.next_due_at + timedelta(seconds=1))
    invalid_before = fake.invalid_requests
    await bot.dispatcher.tick()
    await bot.dispatcher.tick()
    async with bot.services.store.session() as session:
        row = (await session.execute(select(Subscriber).where(Subscriber.id == person.id))).scalar_one()
        sub = (await session.execute(select(Subscription).where(Subscription.id == water.id))).scalar_one()
    assert row.blocked and "50007" in (row.blocked_reason or "") and sub.next_due_at is None
    assert fake.invalid_requests - invalid_before == 1  # one refusal, never retried


async def test_timezone_autocomplete_offers_matching_zones() -> None:
    from bot.adapters.discord import zone_choices

    choices = await zone_choices(None, "berl")  # type: ignore[arg-type]
    assert [c.value for c in choices] == ["Europe/Berlin"]
    assert len(await zone_choices(None, "")) == 25  # type: ignore[arg-type]


async def test_a_rate_limited_dm_is_retried_by_discord_py_and_delivered(bot: RunningDiscord, clock: FakeClock) -> None:
    fake = bot.fake
    await slash(fake, "remind", options={"text": "water every 60m"})
    dm = int(fake.dm_channel(ANN)["id"])
    fake.rate_limit_next(f"POST /channels/{dm}/messages", retry_after=0.2)
    _, water = await person_and_water(bot)
    assert water.next_due_at is not None
    clock.set(water.next_due_at + timedelta(seconds=1))
    await bot.dispatcher.tick()
    sent = [m for m in fake.messages_in(dm) if embed_of(m).get("title") == "Water"]
    assert len(sent) == 1
    assert any(c.status == 429 for c in fake.calls)  # Discord said wait; discord.py waited and sent it once


@pytest.mark.parametrize("failure", ["deleted", "forbidden"])
async def test_a_deleted_or_forbidden_channel_stops_its_tips_at_once(bot: RunningDiscord, clock: FakeClock,
                                                                    failure: str) -> None:
    fake = bot.fake
    shown = await slash(fake, "channeltips", options={"channel": str(CHANNEL)}, user_id=ADMIN, guild_id=GUILD,
                        channel_id=CHANNEL)
    assert "Nothing is set up here yet" in embed_of(shown)["description"]  # no settings: what is set
    assert "/channeltips #" in embed_of(shown)["description"]
    await slash(fake, "channeltips", options={"channel": str(CHANNEL), "settings": "09:00"}, user_id=ADMIN,
                guild_id=GUILD, channel_id=CHANNEL)
    if failure == "deleted":
        fake.delete_channel(CHANNEL)
    else:
        fake.forbid_channel(CHANNEL)
    clock.set(datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC))
    await bot.dispatcher.tick()
    async with bot.services.store.session() as session:
        chat = await bot.services.store.get_chat(session, "discord", str(CHANNEL))
        assert chat is not None and chat.blocked
        assert ("10003" if failure == "deleted" else "50013") in (chat.blocked_reason or "")
        [daily] = await bot.services.store.subscriptions(session, chat.id)
    assert daily.next_due_at is None


async def test_one_process_runs_telegram_and_discord_with_one_dispatcher(fake: FakeDiscord, settings: Settings,
                                                                        clock: FakeClock) -> None:
    from tests.fakebotapi import FakeBotAPI

    telegram = FakeBotAPI()
    await telegram.start()
    try:
        both = replace(settings, telegram_token=Secret(telegram.token), telegram_base_url=telegram.base_url)
        running = await start(fake, both, clock)
        await telegram.wait_count("setMyCommands", 2, timeout=15)
        assert set(running.dispatcher.notifiers) == {"telegram", "discord"}
        await telegram.push_message("/remind water every 60m", user_id=42)
        await telegram.wait_for("sendMessage")
        await slash(fake, "remind", options={"text": "water every 60m"})
        async with running.services.store.session() as session:
            rows = (await session.execute(select(Subscriber))).scalars().all()
        assert sorted((r.platform, r.person_id) for r in rows) == [("discord", str(ANN)), ("telegram", "42")]
        clock.set(datetime(2026, 11, 23, 10, 10, tzinfo=UTC))  # both due (phases are under ten minutes)
        await running.dispatcher.tick()
        await telegram.wait_for("sendMessage", lambda c: c.text.startswith("<b>Water"))
        await fake.wait_until(lambda: [m for m in fake.messages_in(int(fake.dm_channel(ANN)["id"]))
                                       if embed_of(m).get("title") == "Water"])
        running.stop.set()
        await telegram.drain()
        await asyncio.wait_for(running.task, 15)
    finally:
        await telegram.stop()


async def test_a_long_list_of_choices_becomes_a_select_menu(bot: RunningDiscord) -> None:
    fake = bot.fake
    topics = await fake.push_slash("topics")
    await fake.wait_for_callback(topics)
    menu = fake.original(topics)
    assert menu is not None
    groups = {c["label"]: c["custom_id"] for row in menu["components"] for c in row["components"]}
    upper = await fake.push_component(groups["Upper back"], int(menu["id"]))
    edited = answer_of(await fake.wait_for_callback(upper))
    [row] = edited["components"]
    [select] = row["components"]
    assert select["type"] == 3 and len(select["options"]) == 13  # twelve topics and « Back
    chosen = await fake.push_component(select["custom_id"], int(menu["id"]), values=["t:disc"])
    shown = answer_of(await fake.wait_for_callback(chosen))
    assert embed_of(shown)["title"] == "Herniated disc"


async def test_the_reminder_panel_has_a_select_menu_for_intervals_and_times(bot: RunningDiscord) -> None:
    fake = bot.fake
    panel = await fake.push_slash("remind")
    await fake.wait_for_callback(panel)
    message = fake.original(panel)
    assert message is not None
    rows = message["components"]
    [select] = [c for row in rows for c in row["components"] if c["type"] == 3]
    labels = [o["label"] for o in select["options"]]
    assert "Water: every 90 min" in labels and "Daily tip: at 08:30" in labels and len(labels) <= 25
    picked = await fake.push_component(select["custom_id"], int(message["id"]), values=["r:v:water:90"])
    shown = answer_of(await fake.wait_for_callback(picked))
    assert "Water: every 90 min, next" in embed_of(shown)["description"]
    _, water = await person_and_water(bot)
    assert water.enabled and water.interval_minutes == 90
