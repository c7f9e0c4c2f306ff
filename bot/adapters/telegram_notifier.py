"""Sends reminders through the Bot API and turns its errors into dispatcher decisions."""

from __future__ import annotations

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.adapters.aiohttp_request import AiohttpRequest, ReadTimedOut
from bot.adapters.telegram import render_html, render_keyboard
from bot.adapters.telegram_limits import retry_seconds
from bot.config import Settings
from bot.core.replies import Reply
from bot.reminders.dispatcher import Blocked, ChatMoved, RateLimited, Rejected, TopicGone, Transient, Unanswered

# A 400 that means the chat can't take posts any more (it is gone, the bot lost the right to
# post, the forum topic was deleted or closed), rather than a malformed message.
GONE = ("chat not found", "not enough rights", "need administrator rights", "chat_write_forbidden",
        "have no rights to send", "group chat was upgraded")
TOPIC_GONE = ("message thread not found", "topic_closed", "topic_deleted")

# Short enough that a stop (SIGTERM) finishes the sends in flight well inside 10 s.
SEND_TIMEOUT_SECONDS = 5.0


class TelegramNotifier:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
        try:
            await self.bot.send_message(chat_id=int(chat_id), text=render_html(reply), parse_mode=ParseMode.HTML,
                                        reply_markup=render_keyboard(reply), message_thread_id=thread_id or None)
        except RetryAfter as exc:
            raise RateLimited(retry_seconds(exc)) from exc
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except ChatMigrated as exc:
            raise ChatMoved(str(exc.new_chat_id)) from exc
        except BadRequest as exc:
            if thread_id and any(sign in str(exc).lower() for sign in TOPIC_GONE):
                raise TopicGone(str(exc)) from exc
            if any(sign in str(exc).lower() for sign in GONE):
                raise Blocked(str(exc)) from exc
            raise Rejected(str(exc)) from exc
        except ReadTimedOut as exc:  # sent, unanswered: most likely delivered; never sent twice
            raise Unanswered(str(exc)) from exc
        except NetworkError as exc:  # connection failures, timeouts before sending, 5xx
            raise Transient(str(exc)) from exc


def notifier_bot(settings: Settings) -> Bot:
    """A Bot for reminders, apart from the Application's, on the aiohttp backend.

    The dispatcher takes its turn from the token's shared ``SendLimiter`` before each send,
    so this Bot has no rate limiter of its own."""
    request = AiohttpRequest(read_timeout=SEND_TIMEOUT_SECONDS, connect_timeout=SEND_TIMEOUT_SECONDS)
    return Bot(settings.telegram_token.reveal(), base_url=settings.telegram_base_url, request=request)
