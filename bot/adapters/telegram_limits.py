"""Replies go through the same ``SendLimiter`` as reminders: one budget per bot token.

python-telegram-bot calls ``process_request`` around every Bot API request the Application
makes. Requests addressed to a chat wait for the shared limiter; a 429 pauses every sender
using the token (replies and reminders alike) and the reply is tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.reminders.limits import SendLimiter

log = logging.getLogger(__name__)

# Requests that are not messages to a chat: Telegram does not count them against its limits.
UNLIMITED = frozenset({"getUpdates", "getMe", "setMyCommands", "answerCallbackQuery", "setWebhook",
                       "deleteWebhook", "getWebhookInfo", "close", "logOut", "getChat", "getChatMember",
                       "getChatAdministrators"})
JSON = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return float(value) if isinstance(value, int | float) else value.total_seconds()


class SharedRateLimiter(BaseRateLimiter[int]):
    def __init__(self, limiter: SendLimiter, max_retries: int = 3) -> None:
        self.limiter = limiter
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        limited = chat_id is not None and endpoint not in UNLIMITED
        for attempt in range(self.max_retries + 1):
            if limited:
                chat = str(chat_id)
                await self.limiter.acquire(chat, is_group=chat.startswith("-"))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                self.limiter.pause(seconds)
                if attempt == self.max_retries:
                    raise
                log.info("Telegram asked to slow down for %.1f s (%s); every send waits", seconds, endpoint)
                if not limited:
                    await self.limiter.sleep(seconds)
        raise AssertionError("unreachable")
