"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 speaking the Bot API's JSON.

The bot under test reaches it through ``TELEGRAM_BASE_URL``. Tests push user updates,
read what the bot sent, and script failures (429 with ``retry_after``, 403, 5xx).

Updates wait for ``getUpdates`` until the bot sets a webhook; from then on they are POSTed
to the webhook URL with the secret token in ``X-Telegram-Bot-Api-Secret-Token``, as
Telegram delivers them, and ``getUpdates`` is refused with 409 until ``deleteWebhook``.

Groups and channels: the server keeps who is what in each chat (``members``, ``set_member``),
answers ``getChat``, ``getChatMember`` and ``getChatAdministrators`` from it, refuses
``sendMessage`` where the bot may not write, and builds the updates Telegram sends when the
bot is added or removed (``my_chat_member``), a group becomes a supergroup, an anonymous
administrator writes, a channel post is forwarded, or a channel posts.
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
BOT_ID: int = BOT_USER["id"]  # type: ignore[assignment]
# Who sends an anonymous group administrator's messages (with ``sender_chat`` = the group).
GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
# ChatMemberAdministrator's rights Telegram always sends; then those it sends by chat type.
ADMIN_RIGHTS = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories")
ADMIN_RIGHTS_BY_TYPE = {"channel": ("can_post_messages", "can_edit_messages"), "group": ("can_pin_messages",),
                        "supergroup": ("can_pin_messages", "can_manage_topics")}
# ChatMemberRestricted's permissions (plus ``is_member`` and ``until_date``).
RESTRICTED_RIGHTS = ("can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
                     "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
                     "can_send_other_messages", "can_add_web_page_previews", "can_react_to_messages",
                     "can_edit_tag", "can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics")
# The fields ``set_member`` may set for each status (a typo fails instead of reaching the bot unnoticed).
MEMBER_FIELDS: dict[str, frozenset[str]] = {
    "creator": frozenset({"is_anonymous", "custom_title"}),
    "administrator": frozenset({*ADMIN_RIGHTS, "can_post_messages", "can_edit_messages", "can_pin_messages",
                                "can_manage_topics", "can_manage_direct_messages", "can_manage_tags",
                                "custom_title"}),
    "member": frozenset({"until_date", "tag"}),
    "restricted": frozenset({*RESTRICTED_RIGHTS, "is_member", "until_date", "tag"}),
    "left": frozenset(),
    "kicked": frozenset({"until_date"}),
}


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
        self.chats: dict[int, dict[str, Any]] = {}  # chat id -> Chat JSON: added, or seen in a pushed update
        self.members: dict[int, dict[int, dict[str, Any]]] = {}  # chat id -> user id -> ChatMember JSON
        self.migrated: dict[int, int] = {}  # a group's old id -> its supergroup's id, after push_migration

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

    def _chat(self, chat_id: int, chat_type: str, forum: bool = False, title: str | None = None) -> dict[str, Any]:
        """Chat JSON, with the title and username of a chat ``add_chat`` registered."""
        known = self.chats.get(chat_id, {})
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": known.get("first_name", "Ann")}
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type, "title": title or known.get("title", "Back Club")}
        if known.get("username"):
            chat["username"] = known["username"]
        if forum or (known.get("is_forum") and chat_type == "supergroup"):
            chat["is_forum"] = True
        return chat

    def _remember(self, chat: dict[str, Any], forum_known: bool = False) -> None:
        """Register a chat a pushed update shows, unless ``add_chat`` did already."""
        if chat["id"] not in self.chats:
            self.chats[chat["id"]] = {k: v for k, v in chat.items() if k != "is_forum" or forum_known}

    def add_chat(self, chat_id: int, chat_type: str, title: str, username: str | None = None,
                 is_forum: bool = False) -> dict[str, Any]:
        """Register a chat for ``getChat`` and ``@username`` lookups (a private chat: ``title`` is the first name)."""
        if chat_type not in {"private", "group", "supergroup", "channel"}:
            raise ValueError(f"no such chat type: {chat_type}")
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        chat["first_name" if chat_type == "private" else "title"] = title
        if username is not None:
            chat["username"] = username.removeprefix("@")
        if is_forum:
            chat["is_forum"] = True
        self.chats[chat_id] = chat
        return chat

    def chat_type(self, chat_id: int) -> str:
        """A registered chat's type; else private for positive ids and supergroup for negative ones."""
        known = self.chats.get(chat_id)
        if known is not None:
            return str(known["type"])
        return "private" if chat_id > 0 else "supergroup"

    def _resolve(self, chat_id: Any) -> int | None:
        """A ``chat_id`` parameter as an id: an int, or a registered ``@username``; None if unknown."""
        if isinstance(chat_id, int):
            return chat_id
        text = str(chat_id)
        if text.lstrip("-").isdigit():
            return int(text)
        if text.startswith("@"):
            for known_id, chat in self.chats.items():
                if str(chat.get("username", "")).lower() == text[1:].lower():
                    return known_id
        return None

    def _member_user(self, user_id: int) -> dict[str, Any]:
        return BOT_USER if user_id == BOT_ID else self._user(user_id)

    def _member_json(self, chat_id: int, user_id: int, status: str, rights: dict[str, Any],
                     user: dict[str, Any] | None = None) -> dict[str, Any]:
        if status not in MEMBER_FIELDS:
            raise ValueError(f"no such chat member status: {status}")
        unknown = set(rights) - MEMBER_FIELDS[status]
        if unknown:
            raise TypeError(f"a {status} chat member has no {sorted(unknown)}")
        member: dict[str, Any] = {"status": status, "user": user or self._member_user(user_id)}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(dict.fromkeys(ADMIN_RIGHTS, True))
            member.update(can_be_edited=False, is_anonymous=False)
            member.update(dict.fromkeys(ADMIN_RIGHTS_BY_TYPE.get(self.chat_type(chat_id), ()), True))
        elif status == "restricted":
            member["is_member"] = True
            member.update(dict.fromkeys(RESTRICTED_RIGHTS, False))
            member["until_date"] = 0  # restricted forever
        elif status == "kicked":
            member["until_date"] = 0  # banned forever
        member.update(rights)
        return member

    def set_member(self, chat_id: int, user_id: int, status: str, *, user: dict[str, Any] | None = None,
                   **rights: Any) -> dict[str, Any]:
        """Make ``user_id`` a ``status`` member of the chat; return its ChatMember JSON.

        An administrator gets every right (but ``can_be_edited`` and ``is_anonymous``), and those
        Telegram sends for the chat's type; a restricted member none, until ``until_date`` 0
        (forever). ``rights`` override any field of that status; ``user`` replaces the User JSON.
        """
        member = self._member_json(chat_id, user_id, status, rights, user)
        self.members.setdefault(chat_id, {})[user_id] = member
        return member

    def chat_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """What ``getChatMember`` answers: the member set, else "member" (the bot in a channel: "left")."""
        member = self.members.get(chat_id, {}).get(user_id)
        if member is not None:
            return member
        status = "left" if user_id == BOT_ID and self.chat_type(chat_id) == "channel" else "member"
        return self._member_json(chat_id, user_id, status, {})

    def chat_full_info(self, chat_id: int) -> dict[str, Any]:
        """What ``getChat`` answers for a known chat: ChatFullInfo JSON."""
        return {**self.chats[chat_id], "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}

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
                reply_to_bot: bool = False, thread_id: int | None = None, topic: bool = True,
                anonymous_admin: bool = False, forward_from_channel: dict[str, Any] | None = None) -> dict[str, Any]:
        """A user's message as Telegram sends it.

        ``thread_id`` places it in a forum topic (``topic=False``: a reply thread in a group
        without topics, where Telegram also sets ``message_thread_id``). ``anonymous_admin``:
        an administrator writing as the group (from GroupAnonymousBot, ``sender_chat`` the group).
        ``forward_from_channel``: the text is a forwarded channel post; the dict gives the channel's
        ``id`` and optionally ``title``, ``username``, ``message_id``, ``date``, ``author_signature``.
        """
        chat_id = user_id if chat_id is None else chat_id
        forum = thread_id is not None and topic
        chat = self._chat(chat_id, chat_type, forum=forum)
        self._remember(chat)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(user_id),
            "text": text,
        }
        if anonymous_admin:
            message["from"] = GROUP_ANONYMOUS_BOT
            message["sender_chat"] = dict(chat)
        if forward_from_channel is not None:
            message["forward_origin"] = self._channel_origin(forward_from_channel)
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if forum:
                message["is_topic_message"] = True
        entities = self._entities(text)
        if entities:
            message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {"message_id": 1, "date": int(time.time()),
                                           "chat": self._chat(chat_id, chat_type, forum=forum), "from": BOT_USER,
                                           "text": "earlier reply"}
        return message

    @staticmethod
    def _entities(text: str) -> list[dict[str, Any]]:
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            length = len(text.split()[0])
            entities.append({"type": "bot_command", "offset": 0, "length": length})
        for match in re.finditer(r"(?<![/\w])@\w{5,}", text):  # as Telegram marks @username mentions
            entities.append({"type": "mention", "offset": match.start(), "length": len(match.group())})
        return entities

    def _channel_origin(self, channel: dict[str, Any]) -> dict[str, Any]:
        """MessageOriginChannel JSON for a post of ``channel`` (see ``message``)."""
        chat: dict[str, Any] = {"id": channel["id"], "type": "channel",
                                "title": channel.get("title", self.chats.get(channel["id"], {}).get("title",
                                                                                                    "Back News"))}
        username = channel.get("username", self.chats.get(channel["id"], {}).get("username"))
        if username:
            chat["username"] = username
        origin: dict[str, Any] = {"type": "channel", "chat": chat,
                                  "message_id": channel.get("message_id", next(self._message_ids)),
                                  "date": channel.get("date", int(time.time()) - 60)}
        if channel.get("author_signature"):
            origin["author_signature"] = channel["author_signature"]
        return origin

    async def push_message(self, text: str, user_id: int = 42, chat_id: int | None = None,
                           chat_type: str = "private", reply_to_bot: bool = False,
                           thread_id: int | None = None, topic: bool = True, anonymous_admin: bool = False,
                           forward_from_channel: dict[str, Any] | None = None) -> int:
        return await self._push({"message": self.message(text, user_id, chat_id, chat_type, reply_to_bot,
                                                         thread_id, topic, anonymous_admin, forward_from_channel)})

    async def push_my_chat_member(self, chat_id: int, chat_type: str, old_status: str, new_status: str,
                                  from_user_id: int = 42, title: str | None = None, is_forum: bool = False,
                                  **new_rights: Any) -> int:
        """The bot's own membership changes (added, promoted, removed; in a private chat: blocked
        or unblocked by the user) and Telegram says so in ``my_chat_member``.

        Records the new status in ``members`` (``new_rights`` as for ``set_member``); a private
        chat the user blocks ("kicked") joins ``blocked_chats``, and leaves it on "member".
        ``title`` defaults to the registered chat's, else "Back Club".
        """
        chat = self._chat(chat_id, chat_type, forum=is_forum, title=title)
        self._remember(chat, forum_known=True)
        stored = self.members.get(chat_id, {}).get(BOT_ID)
        old = stored if stored is not None and stored["status"] == old_status else \
            self._member_json(chat_id, BOT_ID, old_status, {})
        new = self.set_member(chat_id, BOT_ID, new_status, **new_rights)
        if chat_type == "private":
            if new_status == "kicked":
                self.blocked_chats.add(chat_id)
            elif new_status == "member":
                self.blocked_chats.discard(chat_id)
        return await self._push({"my_chat_member": {
            "chat": chat, "from": self._user(from_user_id), "date": int(time.time()),
            "old_chat_member": old, "new_chat_member": new,
        }})

    async def push_migration(self, old_chat_id: int, new_chat_id: int, user_id: int = 42) -> tuple[int, int]:
        """A group becomes a supergroup: the two service messages Telegram sends, in order.

        The old group's (from the user, ``migrate_to_chat_id``) and the supergroup's first
        (from GroupAnonymousBot on behalf of the supergroup, ``migrate_from_chat_id``). From then
        on every method naming the old id is answered 400 with ``migrate_to_chat_id``, and the
        old group's members are the supergroup's.
        """
        old_chat = self._chat(old_chat_id, "group")
        old_chat.pop("username", None)
        self._remember(old_chat)
        new_chat = {"id": new_chat_id, "type": "supergroup", "title": old_chat["title"]}
        self._remember(new_chat)
        self.members[new_chat_id] = {user: dict(member) for user, member in self.members.get(old_chat_id, {}).items()}
        self.migrated[old_chat_id] = new_chat_id
        now = int(time.time())
        first = await self._push({"message": {
            "message_id": next(self._message_ids), "date": now, "chat": old_chat, "from": self._user(user_id),
            "migrate_to_chat_id": new_chat_id,
        }})
        second = await self._push({"message": {
            "message_id": 1, "date": now, "chat": new_chat, "from": GROUP_ANONYMOUS_BOT,
            "sender_chat": dict(new_chat), "migrate_from_chat_id": old_chat_id,
        }})
        return first, second

    async def push_channel_post(self, chat_id: int, text: str, username: str | None = None) -> int:
        """A post in a channel (``channel_post``): no ``from``, ``sender_chat`` the channel.

        Telegram sends channel posts only to bots administering the channel, so unless a test
        set the bot's status there, the bot becomes an administrator of it.
        """
        chat = self._chat(chat_id, "channel")
        if username is not None:
            chat["username"] = username.removeprefix("@")
        self._remember(chat)
        if username is not None:
            self.chats[chat_id]["username"] = chat["username"]
        if BOT_ID not in self.members.get(chat_id, {}):
            self.set_member(chat_id, BOT_ID, "administrator")
        post: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                                "sender_chat": dict(chat), "text": text}
        entities = self._entities(text)
        if entities:
            post["entities"] = entities
        return await self._push({"channel_post": post})

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
        refusal = self._refusal(method, params)
        if refusal is not None:
            if self.keep_calls:
                async with self._changed:
                    self.calls.append(Call(f"{method}!failed", params, result=refusal.description))
                    self._changed.notify_all()
            return self._error(refusal)
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

    def _refusal(self, method: str, params: dict[str, Any]) -> Failure | None:
        """Telegram's answer to a call about a chat that cannot be served, or None."""
        if "chat_id" not in params:
            return None
        chat_id = self._resolve(params["chat_id"])
        if chat_id is None or (method == "getChat" and chat_id not in self.chats):
            return Failure(400, "Bad Request: chat not found")
        if chat_id in self.migrated:
            return Failure(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           migrate_to_chat_id=self.migrated[chat_id])
        if method != "sendMessage" or self.chat_type(chat_id) == "private":
            return None
        chat_type = self.chat_type(chat_id)
        bot = self.chat_member(chat_id, BOT_ID)
        status = bot["status"]
        if status == "kicked":
            return Failure(403, f"Forbidden: bot was kicked from the {chat_type} chat")
        if status == "left" or (status == "restricted" and not bot["is_member"]):
            return Failure(403, f"Forbidden: bot is not a member of the {chat_type} chat")
        if chat_type == "channel":
            if status != "creator" and not (status == "administrator" and bot.get("can_post_messages")):
                return Failure(400, "Bad Request: need administrator rights in the channel chat")
        elif status == "restricted" and not bot["can_send_messages"]:
            return Failure(400, "Bad Request: not enough rights to send text messages to the chat")
        return None

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
            chat_id = self._resolve(params.get("chat_id", 0)) or 0
            chat_type = self.chat_type(chat_id)
            message: dict[str, Any] = {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(time.time()),
                "chat": self._chat(chat_id, chat_type),
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if chat_type == "channel":  # a channel's posts come from the channel itself
                del message["from"]
                message["sender_chat"] = dict(message["chat"])
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            if params.get("message_thread_id"):
                message["message_thread_id"] = params["message_thread_id"]
                message["is_topic_message"] = True
                message["chat"]["is_forum"] = True
            return message
        if method == "getChatMember":
            return self.chat_member(self._resolve(params["chat_id"]) or 0, int(params["user_id"]))
        if method == "getChatAdministrators":
            chat_id = self._resolve(params["chat_id"]) or 0
            bots = params.get("return_bots") in {True, "true", "True", "1"}
            admins = [m for m in self.members.get(chat_id, {}).values()
                      if m["status"] in {"creator", "administrator"}
                      and (bots or not m["user"]["is_bot"] or m["user"]["id"] == BOT_ID)]
            return sorted(admins, key=lambda m: m["status"] != "creator")
        if method == "getChat":
            return self.chat_full_info(self._resolve(params["chat_id"]) or 0)
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
