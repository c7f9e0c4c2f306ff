"""The /topics menu: one message edited in place, with back navigation and tamper safety."""

from __future__ import annotations

from tests.conftest import RunningBot
from tests.fakebotapi import Failure


async def test_browse_menu_by_editing_one_message(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    await api.push_message("/topics")
    menu = await api.wait_for("sendMessage")
    labels = dict(menu.buttons)
    assert "Relief and care" in labels and "Massage" in labels
    message_id = menu.result["message_id"]

    before = len(api.calls)
    await api.push_callback(labels["Relief and care"], message_id)
    group = await api.wait_for("editMessageText", after=before)
    assert group.params["message_id"] == message_id
    assert "Relief and care" in group.text
    group_buttons = dict(group.buttons)
    assert "Ice for back spasms" in group_buttons and group_buttons["« Back"] == "m"

    before = len(api.calls)
    await api.push_callback(group_buttons["Ice for back spasms"], message_id)
    topic = await api.wait_for("editMessageText", after=before)
    assert "10 to 20 minutes" in topic.text
    topic_buttons = dict(topic.buttons)
    assert topic_buttons["« Back"] == labels["Relief and care"]

    before = len(api.calls)
    await api.push_callback(topic_buttons["« Back"], message_id)
    back = await api.wait_for("editMessageText", after=before)
    assert "Choose a topic" in back.text and "Relief and care" in back.text

    before = len(api.calls)
    await api.push_callback("m", message_id)
    root = await api.wait_for("editMessageText", after=before)
    assert dict(root.buttons) == labels
    assert len(api.sent("sendMessage")) == 1  # navigation never posted a new message
    assert len(api.sent("answerCallbackQuery")) == 4


async def test_tampered_payload_gets_a_notice_and_changes_nothing(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    for payload in ("t:no-such-topic", "g:../../etc", "t:tip-water-drink", "zzz", "g:"):
        before = len(api.calls)
        query_id = await api.push_callback(payload, 1234)
        answer = await api.wait_for("answerCallbackQuery", after=before)
        assert answer.params["callback_query_id"] == query_id
        assert "expired" in answer.params["text"]
    assert api.sent("editMessageText") == []


async def test_another_tip_button_edits_the_tip(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    await api.push_message("/tip")
    tip = await api.wait_for("sendMessage")
    assert dict(tip.buttons)["Another tip"] == "tip"
    before = len(api.calls)
    await api.push_callback("tip", 1001)
    edited = await api.wait_for("editMessageText", after=before)
    assert "Another tip" in dict(edited.buttons)


async def test_rate_limited_reply_is_retried_after_retry_after(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.fail_next("sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1))
    await api.push_message("/ice")
    call = await api.wait_for("sendMessage", timeout=10)
    failed = api.sent("sendMessage!failed")
    assert len(failed) == 1
    assert call.at - failed[0].at >= 0.9  # waited for retry_after before trying again
    assert "10 to 20 minutes" in call.text


async def test_server_error_does_not_crash_the_bot(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.fail_next("sendMessage", Failure(502, "Bad Gateway"))
    await api.push_message("/ice")
    await api.push_message("/heat")
    call = await api.wait_for("sendMessage")
    assert "15 to 20 minutes" in call.text
    assert not telegram_bot.task.done()


async def test_blocked_user_does_not_crash_the_bot(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.blocked_chats.add(99)
    await api.push_message("/ice", user_id=99)
    text = await telegram_bot.command("/heat", user_id=7)
    assert "15 to 20 minutes" in text
    assert not telegram_bot.task.done()
