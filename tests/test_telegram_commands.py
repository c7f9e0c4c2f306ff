"""Every command through the real PTB Application against the fake Bot API."""

from __future__ import annotations

import html

import pytest

from bot.core.catalogue import load_catalogue
from tests.conftest import ROOT, RunningBot

CATALOGUE = load_catalogue(ROOT / "content")
TOPIC_COMMANDS = sorted(CATALOGUE.by_command)


async def test_commands_are_registered_with_telegram(telegram_bot: RunningBot) -> None:
    call = telegram_bot.api.sent("setMyCommands")[0]
    names = [c["command"] for c in call.params["commands"]]
    for expected in ("start", "help", "topics", "tip", "about", "spasm", "foods", "doctor"):
        assert expected in names
    assert all(c["description"] for c in call.params["commands"])
    assert len(names) == len(set(names)) <= 100
    assert "remind" in names and "channel" in names and "grouptips" not in names
    assert "scope" not in call.params  # the default menu: private chats


async def test_groups_get_a_menu_of_their_own(telegram_bot: RunningBot) -> None:
    call = telegram_bot.api.sent("setMyCommands")[1]
    assert call.params["scope"] == {"type": "all_group_chats"}
    names = [c["command"] for c in call.params["commands"]]
    assert {"grouptips", "groupbreaks", "tip", "topics", "spasm"} <= set(names)
    assert not {"remind", "pause", "forget", "channel", "channels"} & set(names)  # personal: private chats


async def test_start_shows_welcome_disclaimer_and_topic_buttons(telegram_bot: RunningBot) -> None:
    await telegram_bot.api.push_message("/start")
    call = await telegram_bot.api.wait_for("sendMessage")
    assert call.params["parse_mode"] == "HTML"
    assert "not a substitute for professional" in call.text
    labels = [label for label, _ in call.buttons]
    assert "All topics" in labels and "What is a muscle spasm?" in labels


async def test_about_carries_credit_and_disclaimer(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/about")
    assert html.escape("Facts on Upper & Low Back Spasms & Pain", quote=False) in text
    assert "not a substitute for professional" in text


async def test_help_lists_every_command_grouped(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/help")
    for name in ["start", "help", "topics", "tip", "about", *TOPIC_COMMANDS]:
        assert f"/{name} " in text
    assert "Getting started" in text and "Food and vitamins" in text


@pytest.mark.parametrize("command", TOPIC_COMMANDS)
async def test_every_topic_command_answers_with_its_entry(telegram_bot: RunningBot, command: str) -> None:
    entry = CATALOGUE.by_command[command]
    text = await telegram_bot.command(f"/{command}")
    assert text.startswith(f"<b>{html.escape(entry.title)}</b>")
    assert html.escape(entry.body) in text


@pytest.mark.parametrize(
    ("command", "facts"),
    [
        ("ice", ["10 to 20 minutes", "towel"]),
        ("heat", ["15 to 20 minutes", "2 to 3 days"]),
        ("strain", ["2 to 3 days"]),
        ("selfmassage", ["30 to 60 seconds", "pulse"]),
        ("howlong", ["a week or two", "six to eight weeks"]),
        ("upper", ["1 in 10 men and 1 in 5 women"]),
        ("meds", ["Cyclobenzaprine (Flexeril)", "Metaxalone (Skelaxin)", "Tizanidine (Zanaflex)", "pharmacist"]),
        ("ibuprofen", ["pharmacist", "naproxen"]),
        ("foods", ["Avocado", "Watermelon", "Coconut water", "Beet greens"]),
        ("spasm", ["cramp"]),
    ],
)
async def test_numbers_and_names_survive_to_the_chat(telegram_bot: RunningBot, command: str,
                                                      facts: list[str]) -> None:
    text = await telegram_bot.command(f"/{command}")
    for fact in facts:
        assert html.escape(fact, quote=False) in text


async def test_relief_leaves_out_hyperventilation(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/relief")
    assert "Stretching" in text and "hyperventilat" not in text.lower()


async def test_tip_sends_a_tip_from_the_catalogue(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/tip")
    assert any(html.escape(t.body) in text for t in CATALOGUE.tips())


async def test_unknown_command_gets_help_pointer(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/flyaway now")
    assert "/flyaway" in text and "/help" in text


async def test_html_in_titles_is_escaped(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/about")
    assert "&amp;" in text and "& " not in text.replace("&amp;", "")


async def test_group_command_addressed_to_the_bot(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/spasm@UnknotTestBot", user_id=42, chat_id=-100500, chat_type="supergroup")
    assert "What is a muscle spasm?" in text
    call = telegram_bot.api.sent("sendMessage")[-1]
    assert call.params["chat_id"] == -100500


async def test_group_command_for_another_bot_is_ignored(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    await api.push_message("/spasm@SomeOtherBot", chat_id=-100500, chat_type="supergroup")
    await api.push_message("/nonsense", chat_id=-100500, chat_type="supergroup")
    text = await telegram_bot.command("/foods@UnknotTestBot", chat_id=-100500, chat_type="supergroup")
    assert "Foods that help" in text
    assert len(api.sent("sendMessage")) == 1  # nothing for the other bot's command or the unaddressed unknown


async def test_unknown_command_addressed_to_bot_in_group_is_answered(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/nonsense@UnknotTestBot", chat_id=-100500, chat_type="supergroup")
    assert "/help" in text


async def test_topic_command_with_junk_arguments_still_answers(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("/ice <script>alert(1)</script> %%% " + "z" * 3000)
    assert "10 to 20 minutes" in text and "<script>" not in text
