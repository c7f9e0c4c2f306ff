"""Free-text questions through the real PTB Application and the fake Bot API."""

from __future__ import annotations

from tests.conftest import RunningBot


async def test_private_question_gets_the_matching_topic(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    text = await telegram_bot.command("is ice ok??")
    assert text.startswith("<b>Ice for back spasms</b>") and "10 to 20 minutes" in text
    call = api.sent("sendMessage")[-1]
    assert call.buttons == [("Related topics", "g:relief;ice")]  # the whole topic: no "Full topic"
    before = len(api.calls)
    await api.push_callback("g:relief;ice", call.result["message_id"])
    menu = await api.wait_for("editMessageText", after=before)
    assert ("« Back", "a:ice") in menu.buttons


async def test_full_topic_and_back_to_the_answer_through_telegram(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    answer = await telegram_bot.command("what are the benefits of massage for back pain")
    call = api.sent("sendMessage")[-1]
    labels = dict(call.buttons)
    assert "Full topic" in labels and "More: /massage" in answer
    before = len(api.calls)
    await api.push_callback(labels["Full topic"], call.result["message_id"])
    full = await api.wait_for("editMessageText", after=before)
    assert "insomnia" in full.text and len(full.text) > len(answer)
    before = len(api.calls)
    await api.push_callback(dict(full.buttons)["« Back"], call.result["message_id"])
    back = await api.wait_for("editMessageText", after=before)
    assert back.text == answer


async def test_emergency_is_escalated_before_anything_else(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("cant feel my legs and my lower back is killing me")
    assert text.startswith("<b>Get medical help now</b>")
    assert text.index("urgently") < text.index("What the article says")


async def test_off_topic_question_gets_pointed_to_help(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("how do i bake sourdough")
    assert "/help" in text and "no answer" in text


async def test_oversized_message_is_answered_without_error(telegram_bot: RunningBot) -> None:
    text = await telegram_bot.command("my back spasm, would a heating pad help? " + "x" * 3900)
    assert "15 to 20 minutes" in text


async def test_group_free_text_only_when_addressed(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    group = {"chat_id": -100500, "chat_type": "supergroup"}
    await api.push_message("anyone know if ice helps a back spasm?", **group)  # type: ignore[arg-type]
    text = await telegram_bot.command("@UnknotTestBot does ice help a back spasm?", **group)
    assert "10 to 20 minutes" in text
    text = await telegram_bot.command("and heat?", reply_to_bot=True, **group)
    assert "15 to 20 minutes" in text
    assert len(api.sent("sendMessage")) == 2  # the unaddressed message got no reply
