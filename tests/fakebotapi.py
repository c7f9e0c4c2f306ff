"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 speaking the Bot API's JSON.

The bot under test reaches it through ``TELEGRAM_BASE_URL``. Tests push user updates,
read what the bot sent, and script failures (429 with ``retry_after``, 403, 5xx).

Updates wait for ``getUpdates`` until the bot sets a webhook; from then on they are POSTed
to the webhook URL with the secret token in ``X-Telegram-Bot-Api-Secret-Token``, as
Telegram delivers them, and ``getUpdates`` is refused with 409 until ``deleteWebhook``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import EllipsisType
from typing import Any

import aiohttp
from aiohttp import web

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Unknot",
    "username": "UnknotTestBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = {"reply_markup", "commands", "entities", "link_preview_options", "scope", "allowed_updates",
               "reply_parameters"}
INT_FIELDS = {"chat_id", "message_id", "offset", "timeout", "limit", "user_id", "message_thread_id"}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None


class FakeBotAPI:
    def __init__(self, token: str = "123456:TEST-token-for-the-fake-api") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.failures: dict[str, list[Failure]] = {}
        self.blocked_chats: set[int] = set()
        self.throttle: Callable[[str, dict[str, Any]], Failure | None] | None = None
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.draining = False
        self.delays: dict[str, float] = {}  # method -> seconds to stall before answering
        self.keep_calls = True  # a long benchmark run keeps only per-chat counts
        self.chat_counts: dict[Any, int] = {}
        self.answer_delays: dict[str, float] = {}  # method -> seconds every call waits, once counted
        self.send_times: list[float] = []  # time.monotonic() of each sendMessage accepted
        self.send_chats: list[Any] = []  # and its chat
        self.webhook: dict[str, Any] | None = None  # the last setWebhook's parameters, until deleteWebhook

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=1 << 22)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def drain(self) -> None:
        """Answer pending and future long polls at once, so a stopping bot need not wait."""
        async with self._changed:
            self.draining = True
            self._changed.notify_all()

    # -- scripting -----------------------------------------------------------------
    def fail_next(self, method: str, failure: Failure, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([failure] * times)

    def _user(self, user_id: int, name: str = "Ann") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}

    def _chat(self, chat_id: int, chat_type: str, forum: bool = False) -> dict[str, Any]:
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": "Ann"}
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type, "title": "Back Club"}
        if forum:
            chat["is_forum"] = True
        return chat

    async def _push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates or, while a webhook is set, POST it there."""
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        if self.webhook is not None:
            status = await self.post_update(update)
            if status != 200:
                raise AssertionError(f"the bot's webhook answered {status} to update {update_id}")
            return update_id
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return update_id

    def message(self, text: str, user_id: int = 42, chat_id: int | None = None, chat_type: str = "private",
                reply_to_bot: bool = False, thread_id: int | None = None, topic: bool = True) -> dict[str, Any]:
        """A user's message as Telegram sends it.

        ``thread_id`` places it in a forum topic (``topic=False``: a reply thread in a group
        without topics, where Telegram also sets ``message_thread_id``).
        """
        chat_id = user_id if chat_id is None else chat_id
        forum = thread_id is not None and topic
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type, forum=forum),
            "from": self._user(user_id),
            "text": text,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if forum:
                message["is_topic_message"] = True
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            length = len(text.split()[0])
            entities.append({"type": "bot_command", "offset": 0, "length": length})
        for match in re.finditer(r"(?<![/\w])@\w{5,}", text):  # as Telegram marks @username mentions
            entities.append({"type": "mention", "offset": match.start(), "length": len(match.group())})
        if entities:
            message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {"message_id": 1, "date": int(time.time()),
                                           "chat": self._chat(chat_id, chat_type, forum=forum), "from": BOT_USER,
                                           "text": "earlier reply"}
        return message

    async def push_message(self, text: str, user_id: int = 42, chat_id: int | None = None,
                           chat_type: str = "private", reply_to_bot: bool = False,
                           thread_id: int | None = None, topic: bool = True) -> int:
        return await self._push({"message": self.message(text, user_id, chat_id, chat_type, reply_to_bot,
                                                         thread_id, topic)})

    async def push_edited_message(self, text: str, message_id: int | None = None, user_id: int = 42,
                                  chat_id: int | None = None, chat_type: str = "private",
                                  reply_to_bot: bool = False) -> int:
        """The user edits an earlier message (``message_id``) to read ``text``."""
        message = self.message(text, user_id, chat_id, chat_type, reply_to_bot)
        if message_id is not None:
            message["message_id"] = message_id
        message["edit_date"] = int(time.time())
        return await self._push({"edited_message": message})

    async def post_update(self, update: dict[str, Any], secret_token: str | EllipsisType | None = ...,
                          url: str | None = None, timeout: float = 10.0) -> int:
        """POST ``update`` to the webhook as Telegram does; return the HTTP status.

        By default to the URL and with the secret token the bot registered; ``secret_token=None``
        sends no secret header. While the bot's server is not listening yet, retry as Telegram does.
        """
        if url is None:
            if self.webhook is None:
                raise AssertionError("the bot has set no webhook")
            url = str(self.webhook["url"])
        if secret_token is ...:
            secret_token = self.webhook.get("secret_token") if self.webhook is not None else None
        update.setdefault("update_id", next(self._update_ids))
        headers = {SECRET_HEADER: str(secret_token)} if secret_token is not None else {}
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.post(url, json=update, headers=headers) as response:
                        await response.read()
                        return response.status
                except aiohttp.ClientConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.05)

    async def push_callback(self, data: str, message_id: int, user_id: int = 42,
                            chat_id: int | None = None, chat_type: str = "private") -> str:
        chat_id = user_id if chat_id is None else chat_id
        query_id = f"cq{next(self._update_ids)}"
        await self._push({"callback_query": {
            "id": query_id,
            "from": self._user(user_id),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": self._chat(chat_id, chat_type), "from": BOT_USER, "text": "menu"},
        }})
        return query_id

    def sent(self, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if method is None or c.method == method]

    async def wait_for(self, method: str, predicate: Callable[[Call], bool] = lambda c: True,
                       timeout: float = 10.0, after: int = 0) -> Call:
        """Wait until the bot has called ``method`` (a call past index ``after`` matching ``predicate``)."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for call in self.calls[after:]:
                    if call.method == method and predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(c.method, c.text[:60]) for c in self.calls[after:]]
                    raise AssertionError(f"bot never called {method} as expected; it called {seen}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass

    async def wait_count(self, method: str, count: int, timeout: float = 30.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while len(self.sent(method)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"only {len(self.sent(method))} of {count} {method} calls arrived")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass
            return self.sent(method)

    # -- HTTP --------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body or {})
        elif request.can_read_body:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key, value in list(params.items()):
            if key in JSON_FIELDS and isinstance(value, str):
                params[key] = json.loads(value)
            elif key in INT_FIELDS and isinstance(value, str) and value.lstrip("-").isdigit():
                params[key] = int(value)
        return params

    @staticmethod
    def _error(failure: Failure) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
        parameters: dict[str, Any] = {}
        if failure.retry_after is not None:
            parameters["retry_after"] = failure.retry_after
        if failure.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = failure.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=failure.status)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if method.lower() == "getupdates":
            if self.webhook is not None:
                return self._error(Failure(409, "Conflict: can't use getUpdates method while webhook is active; "
                                                "use deleteWebhook to delete the webhook first"))
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        if method in self.delays:
            await asyncio.sleep(self.delays.pop(method))
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            self.calls.append(Call(f"{method}!failed", params))
            return self._error(failure)
        chat_id = params.get("chat_id")
        if method == "sendMessage" and isinstance(chat_id, int) and chat_id in self.blocked_chats:
            return self._error(Failure(403, "Forbidden: bot was blocked by the user"))
        if self.throttle is not None:
            failure = self.throttle(method, params)
            if failure is not None:
                return self._error(failure)
        if method == "setWebhook":
            self.webhook = dict(params)
        elif method == "deleteWebhook":
            self.webhook = None
        result = self._result(method, params)
        if method == "sendMessage":
            self.chat_counts[chat_id] = self.chat_counts.get(chat_id, 0) + 1
            self.send_times.append(time.monotonic())
            self.send_chats.append(chat_id)
        if not self.keep_calls:
            await self._answer_later(method)
            return web.json_response({"ok": True, "result": result})
        async with self._changed:
            self.calls.append(Call(method, params, result=result))
            self._changed.notify_all()
        await self._answer_later(method)
        return web.json_response({"ok": True, "result": result})

    async def _answer_later(self, method: str) -> None:
        """A slow answer (``answer_delays``): the call already counts as delivered, like a
        message Telegram has received but not yet acknowledged. A client killed meanwhile
        still leaves it delivered."""
        delay = self.answer_delays.get(method, 0.0)
        if delay > 0:
            await asyncio.sleep(delay)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {"sendMessage", "editMessageText"}:
            chat_id = params.get("chat_id", 0)
            message: dict[str, Any] = {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(time.time()),
                "chat": self._chat(int(chat_id), "private" if int(chat_id) > 0 else "supergroup"),
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            if params.get("message_thread_id"):
                message["message_thread_id"] = params["message_thread_id"]
                message["is_topic_message"] = True
                message["chat"]["is_forum"] = True
            return message
        if method == "getWebhookInfo":
            hook = self.webhook or {}
            return {"url": hook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0,
                    **({"allowed_updates": hook["allowed_updates"]} if "allowed_updates" in hook else {})}
        if method == "getMyCommands":
            commands = [c.params["commands"] for c in self.calls if c.method == "setMyCommands"]
            return commands[-1] if commands else []
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        async with self._changed:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and not self.draining:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    break
            return list(self.updates[:100])


class TelegramLimits:
    """Telegram's flood limits as the fake server enforces them: 30/s overall, 1/s per chat.

    A request over a limit gets 429 with ``retry_after``, as Telegram answers.
    """

    def __init__(self, per_second: int = 30, per_chat_seconds: float = 1.0) -> None:
        self.per_second = per_second
        self.per_chat_seconds = per_chat_seconds
        self.recent: list[float] = []
        self.last_in_chat: dict[Any, float] = {}
        self.rejected = 0
        self.rejected_overall = 0  # of ``rejected``: over 30 in one second
        self.rejected_per_chat = 0  # of ``rejected``: a chat's second message within a second
        self.attempt_times: list[float] = []  # every sendMessage that reached the limits, rejected or not

    def __call__(self, method: str, params: dict[str, Any]) -> Failure | None:
        if method != "sendMessage":
            return None
        now = time.monotonic()
        self.recent = [t for t in self.recent if now - t < 1.0]
        chat = params.get("chat_id")
        last = self.last_in_chat.get(chat)
        self.attempt_times.append(now)
        if len(self.recent) >= self.per_second or (last is not None and now - last < self.per_chat_seconds):
            self.rejected += 1
            if len(self.recent) >= self.per_second:
                self.rejected_overall += 1
            else:
                self.rejected_per_chat += 1
            return Failure(429, "Too Many Requests: retry after 1", retry_after=1)
        self.recent.append(now)
        self.last_in_chat[chat] = now
        return None


def most_in_window(times: list[float], window: float = 1.0) -> int:
    """The most of ``times`` (increasing) falling in any ``window`` seconds (a sliding window)."""
    most, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


async def _serve(port: int, limits: bool, send_delay: float = 0.0) -> None:
    api = FakeBotAPI()
    api.keep_calls = False
    if send_delay > 0:
        api.answer_delays["sendMessage"] = send_delay
    if limits:
        api.throttle = TelegramLimits()
    app_runner_stats = api

    async def stats(request: web.Request) -> web.Response:
        counts = app_runner_stats.chat_counts
        throttle = app_runner_stats.throttle
        return web.json_response({
            "sent": sum(counts.values()),
            "distinct_chats": len(counts),
            "duplicates": sum(c - 1 for c in counts.values() if c > 1),
            "rejected_429": throttle.rejected if isinstance(throttle, TelegramLimits) else 0,
            # Per chat and per second: what a flood limit or a crash test looks at.
            "chats_twice_or_more": sum(1 for c in counts.values() if c > 1),
            "most_to_one_chat": max(counts.values(), default=0),
            "most_sent_in_one_second": most_in_window(app_runner_stats.send_times),
            "most_attempted_in_one_second": most_in_window(throttle.attempt_times)
            if isinstance(throttle, TelegramLimits) else most_in_window(app_runner_stats.send_times),
            "rejected_429_overall": throttle.rejected_overall if isinstance(throttle, TelegramLimits) else 0,
            "rejected_429_per_chat": throttle.rejected_per_chat if isinstance(throttle, TelegramLimits) else 0,
            "send_seconds": (app_runner_stats.send_times[-1] - app_runner_stats.send_times[0])
            if app_runner_stats.send_times else 0.0,
        })

    async def reset(request: web.Request) -> web.Response:
        app_runner_stats.chat_counts.clear()
        app_runner_stats.send_times.clear()
        app_runner_stats.send_chats.clear()
        if isinstance(app_runner_stats.throttle, TelegramLimits):
            app_runner_stats.throttle.rejected = 0
            app_runner_stats.throttle.rejected_overall = app_runner_stats.throttle.rejected_per_chat = 0
            app_runner_stats.throttle.attempt_times.clear()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/_stats", stats)
    app.router.add_post("/_reset", reset)

    async def sends(request: web.Request) -> web.Response:
        """Every sendMessage accepted: [seconds since the first, chat id], in order."""
        times = app_runner_stats.send_times
        return web.json_response([[t - times[0], chat] for t, chat in zip(times, app_runner_stats.send_chats,
                                                                           strict=True)])

    app.router.add_get("/_sends", sends)
    app.router.add_route("*", "/bot{token}/{method}", api._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    server = site._server
    assert server is not None
    print(server.sockets[0].getsockname()[1], flush=True)  # type: ignore[union-attr]
    await asyncio.Event().wait()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Serve the fake Bot API on 127.0.0.1 (for benchmarks).")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--limits", action="store_true", help="enforce 30/s overall and 1/s per chat")
    parser.add_argument("--send-delay", type=float, default=0.0,
                        help="seconds each sendMessage waits for its answer, after it counts as delivered")
    options = parser.parse_args()
    asyncio.run(_serve(options.port, options.limits, options.send_delay))
