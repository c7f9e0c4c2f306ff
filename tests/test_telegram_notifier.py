"""The reminder sender's view of Bot API failures, over real HTTP to the fake Bot API."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot.adapters.aiohttp_request import AiohttpRequest
from bot.adapters.telegram_notifier import TelegramNotifier
from bot.core.replies import Button, Reply
from bot.reminders.dispatcher import Blocked, ChatMoved, RateLimited, Rejected, Transient, Unanswered
from tests.fakebotapi import Failure, FakeBotAPI

REPLY = Reply(text="Drink <some> water & stretch", title="Water", buttons=((Button("✅ Done", "r:d:1"),),))


async def notifier(api: FakeBotAPI, read_timeout: float = 5.0) -> tuple[Bot, TelegramNotifier]:
    bot = Bot(api.token, base_url=api.base_url, request=AiohttpRequest(read_timeout=read_timeout))
    await bot.initialize()
    return bot, TelegramNotifier(bot)


async def test_sends_escaped_html_with_buttons(fake_api: FakeBotAPI) -> None:
    bot, sender = await notifier(fake_api)
    try:
        await sender.send("42", REPLY)
    finally:
        await bot.shutdown()
    call = fake_api.sent("sendMessage")[0]
    assert call.params["chat_id"] == 42
    assert call.text == "<b>Water</b>\n\nDrink &lt;some&gt; water &amp; stretch"
    assert call.buttons == [("✅ Done", "r:d:1")]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (Failure(429, "Too Many Requests: retry after 7", retry_after=7), RateLimited),
        (Failure(403, "Forbidden: bot was blocked by the user"), Blocked),
        (Failure(400, "Bad Request: chat not found"), Blocked),
        (Failure(400, "Bad Request: message is too long"), Rejected),
        (Failure(400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-100777), ChatMoved),
        (Failure(500, "Internal Server Error"), Transient),
        (Failure(502, "Bad Gateway"), Transient),
    ],
)
async def test_failures_map_to_dispatcher_decisions(fake_api: FakeBotAPI, failure: Failure,
                                                    expected: type[Exception]) -> None:
    fake_api.fail_next("sendMessage", failure)
    bot, sender = await notifier(fake_api)
    try:
        with pytest.raises(expected) as caught:
            await sender.send("42", REPLY)
    finally:
        await bot.shutdown()
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 7
    if isinstance(caught.value, ChatMoved):
        assert caught.value.new_chat_id == "-100777"


async def test_a_timeout_after_sending_is_unanswered_not_transient(fake_api: FakeBotAPI) -> None:
    """The request reached the server, the answer did not come back: most likely delivered,
    so the dispatcher must not send it again (it would be a duplicate)."""
    fake_api.delays["sendMessage"] = 1.0
    bot, sender = await notifier(fake_api, read_timeout=0.2)
    try:
        with pytest.raises(Unanswered):
            await sender.send("42", REPLY)
        await sender.send("42", REPLY)  # the next one goes through
    finally:
        await bot.shutdown()
    assert len(fake_api.sent("sendMessage")) >= 1


async def test_unreachable_server_is_transient() -> None:
    bot = Bot("1:x", base_url="http://127.0.0.1:9/bot", request=AiohttpRequest(connect_timeout=1))
    await bot._request[1].initialize()
    try:
        with pytest.raises(Transient):
            await TelegramNotifier(bot).send("42", REPLY)
    finally:
        await bot._request[1].shutdown()
