"""Which updates get an answer, and where: edited messages and forum topics."""

from __future__ import annotations

from tests.conftest import RunningBot

GROUP = {"chat_id": -100500, "chat_type": "supergroup"}


async def replies_before_marker(bot: RunningBot, before: int) -> list[str]:
    """Send a fresh /about and wait for its answer; updates are handled in order, so every
    reply to what was pushed earlier has been sent by then. The replies before the marker's."""
    await bot.api.push_message("/about")
    marker = await bot.api.wait_for("sendMessage", lambda c: "not a substitute" in c.text, after=before)
    sent = [c for c in bot.api.calls[before:] if c.method.startswith("sendMessage")]
    return [c.text for c in sent[:sent.index(marker)]]


async def test_edited_command_is_not_run_again(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    text = await telegram_bot.command("/ice")
    assert "10 to 20 minutes" in text
    before = len(api.calls)
    await api.push_edited_message("/ice")
    await api.push_edited_message("/heat")
    await api.push_edited_message("/nosuchcommand")
    assert await replies_before_marker(telegram_bot, before) == []


async def test_edited_question_gets_no_second_answer(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    text = await telegram_bot.command("is ice ok??")
    assert "10 to 20 minutes" in text
    before = len(api.calls)
    await api.push_edited_message("is heat ok after a few days?")
    await api.push_edited_message("@UnknotTestBot does ice help a back spasm?", **GROUP)  # type: ignore[arg-type]
    await api.push_edited_message("and heat?", reply_to_bot=True, **GROUP)  # type: ignore[arg-type]
    assert await replies_before_marker(telegram_bot, before) == []


async def test_command_in_a_forum_topic_is_answered_in_that_topic(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    text = await telegram_bot.command("/ice", thread_id=77, **GROUP)  # type: ignore[arg-type]
    assert "10 to 20 minutes" in text
    call = api.sent("sendMessage")[-1]
    assert call.params["chat_id"] == -100500 and call.params["message_thread_id"] == 77


async def test_question_and_unknown_command_in_a_topic_stay_in_the_topic(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    text = await telegram_bot.command("@UnknotTestBot does ice help a back spasm?", thread_id=5,
                                      **GROUP)  # type: ignore[arg-type]
    assert "10 to 20 minutes" in text
    assert api.sent("sendMessage")[-1].params["message_thread_id"] == 5
    text = await telegram_bot.command("/nosuch@UnknotTestBot", thread_id=6, **GROUP)  # type: ignore[arg-type]
    assert "/help" in text
    assert api.sent("sendMessage")[-1].params["message_thread_id"] == 6


async def test_general_topic_and_reply_threads_get_no_thread_id(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    await telegram_bot.command("/ice", **GROUP)  # type: ignore[arg-type]
    assert "message_thread_id" not in api.sent("sendMessage")[-1].params
    # A reply thread in a group without topics: Telegram sets message_thread_id, but sending
    # with it would fail there.
    await telegram_bot.command("/heat", thread_id=9, topic=False, **GROUP)  # type: ignore[arg-type]
    assert "message_thread_id" not in api.sent("sendMessage")[-1].params
    await telegram_bot.command("/ice")  # a private chat
    assert "message_thread_id" not in api.sent("sendMessage")[-1].params
