"""Telegram adapter: python-telegram-bot v22 handlers that translate to and from the core."""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cachetools import TTLCache
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginChannel,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Secret, Settings, parse_listen
from bot.core.chat import is_expired
from bot.core.replies import Reply
from bot.core.router import Caller, Router, parse_command
from bot.core.schedule import whole_number
from bot.reminders.groups import ChatAdmins, ChatInfo, GroupService, Member, PlatformUnavailable
from bot.reminders.limits import SendLimiter
from bot.reminders.service import COMMANDS as REMINDER_COMMANDS

log = logging.getLogger(__name__)

GROUP_ONLY = {"grouptips", "groupbreaks"}
PRIVATE_ONLY_COMMANDS = {c.name for c in REMINDER_COMMANDS} | {"channel", "channels"}

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def render_html(reply: Reply) -> str:
    """HTML for Telegram: every piece of text escaped, the title in bold."""
    body = html.escape(reply.text)
    if reply.title:
        return f"<b>{html.escape(reply.title)}</b>\n\n{body}" if body else f"<b>{html.escape(reply.title)}</b>"
    return body


def render_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in reply.buttons]
    )


def topic_of(message: Message) -> int | None:
    """The forum topic a message was posted in, for replying there rather than in General.

    Telegram also sets ``message_thread_id`` on replies in groups without topics; sending
    with it there fails, so only a topic message counts.
    """
    return message.message_thread_id if message.is_topic_message else None


def caller_of(update: Update) -> Caller:
    user = update.effective_user
    chat = update.effective_chat
    assert chat is not None
    message = update.effective_message
    # An anonymous administrator writes as the group itself (Telegram shows GroupAnonymousBot).
    as_group = message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id
    return Caller(
        platform="telegram",
        user_id=str(user.id if user else chat.id),
        chat_id=str(chat.id),
        private=chat.type == ChatType.PRIVATE,
        display_name=user.first_name if user else "",
        chat_type=chat.type,
        thread_id=(topic_of(message) or 0) if message is not None else 0,
        anonymous_admin=as_group and chat.type != ChatType.CHANNEL,
        chat_title=chat.title or "",
    )


def member_of(member: ChatMember, channel: bool = False) -> Member:
    """A Bot API ChatMember as the core reads it: its status, and whether it may post."""
    if isinstance(member, ChatMemberAdministrator):
        # In a channel an administrator posts only with can_post_messages; in a group always.
        can_post = member.can_post_messages is True if channel else True
    elif isinstance(member, ChatMemberRestricted):
        can_post = member.is_member and member.can_send_messages
    else:
        can_post = member.status in {ChatMemberStatus.OWNER, ChatMemberStatus.MEMBER}
    return Member(status=str(member.status), can_post=bool(can_post))


class TelegramChatAdmins(ChatAdmins):
    """Who is an administrator and what the bot may do, from the Bot API, remembered for
    ``ttl`` seconds so that a busy group costs one lookup per person per ``ttl``."""

    def __init__(self, bot: Bot, ttl: float = 120.0) -> None:
        self.bot = bot
        self.cache: TTLCache[tuple[str, str], Member] = TTLCache(maxsize=10_000, ttl=ttl)
        self.kinds: dict[str, str] = {}  # chat id -> type, for the chats looked up (channels)

    async def find_chat(self, ref: str) -> ChatInfo | None:
        try:
            chat = await self.bot.get_chat(int(ref) if whole_number(ref.removeprefix("-")) else ref)
        except (BadRequest, Forbidden):
            return None
        except TelegramError as exc:  # a timeout, a 5xx, a 429: say so rather than stay silent
            raise PlatformUnavailable() from exc
        self.kinds[str(chat.id)] = chat.type
        return ChatInfo(str(chat.id), chat.type, chat.title or chat.username or str(chat.id), chat.username)

    async def member(self, chat_id: str, person_id: str, fresh: bool = False) -> Member:
        key = (chat_id, person_id)
        found = None if fresh else self.cache.get(key)
        if found is None:
            try:
                member = await self.bot.get_chat_member(int(chat_id), int(person_id))
            except (BadRequest, Forbidden):
                found = Member(status="left", can_post=False)
            except TelegramError as exc:
                raise PlatformUnavailable() from exc
            else:
                found = member_of(member, channel=self.kinds.get(chat_id) == ChatType.CHANNEL)
            self.cache[key] = found
        return found

    async def bot_member(self, chat_id: str) -> Member:
        return await self.member(chat_id, str(self.bot.id), fresh=True)

    def forget(self, chat_id: str) -> None:
        """The bot's rights in ``chat_id`` changed: ask again next time."""
        for key in [k for k in self.cache if k[0] == chat_id]:
            self.cache.pop(key, None)


class TelegramAdapter:
    """Owns the PTB handlers. Every callback parses, calls the router once, renders."""

    def __init__(self, router: Router, groups: GroupService | None = None) -> None:
        self.router = router
        self.groups = groups
        self.admins: ChatAdmins | None = None

    def install(self, application: AnyApp) -> None:
        names = [c.name for c in self.router.commands()]
        # New messages only: an edited message (or a channel post) must not run a command or
        # get an answer a second time.
        new = filters.UpdateType.MESSAGE
        application.add_handler(ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        application.add_handler(CommandHandler(names, self.on_command, filters=new))
        # Order matters: anything left that looks like a command is unknown to us.
        application.add_handler(MessageHandler(new & filters.COMMAND, self.on_unknown_command))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(new & filters.ChatType.PRIVATE & filters.FORWARDED, self.on_forward))
        application.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, self.on_text))
        application.add_error_handler(self.on_error)

    async def register_commands(self, application: AnyApp) -> None:
        """The "/" menu: in private chats everything but the group commands; in groups the
        group commands and what anyone there can use, not the personal ones."""
        everything = self.router.commands()
        private = [c for c in everything if c.name not in GROUP_ONLY]
        group = [c for c in everything if c.name not in PRIVATE_ONLY_COMMANDS]
        for infos, scope in ((private, None), (group, BotCommandScopeAllGroupChats())):
            commands = [BotCommand(c.name, c.description[:256]) for c in infos][:100]
            await application.bot.set_my_commands(commands, scope=scope)

    async def send(self, chat_id: int | str, reply: Reply, context: ContextTypes.DEFAULT_TYPE,
                   thread_id: int | None = None) -> None:
        await context.bot.send_message(
            chat_id=chat_id,
            message_thread_id=thread_id,
            text=render_html(reply),
            parse_mode=ParseMode.HTML,
            reply_markup=render_keyboard(reply),
        )

    async def answer(self, message: Message, reply: Reply, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send ``reply`` to the chat, and the forum topic, ``message`` came from."""
        await self.send(message.chat_id, reply, context, thread_id=topic_of(message))

    @staticmethod
    def _command_of(update: Update) -> tuple[Message, str, str, str | None] | None:
        """(message, command, arguments, addressee) of a command message."""
        message = update.effective_message
        parsed = parse_command(message.text) if message is not None and message.text else None
        if message is None or parsed is None:
            return None
        return (message, *parsed)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = self._command_of(update)
        if command is None:
            return
        message, name, args, _ = command
        reply = await self.router.command(caller_of(update), name, args)
        await self.answer(message, reply, context)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = self._command_of(update)
        if command is None:
            return
        message, name, args, addressee = command
        if addressee and addressee.lower() != (context.bot.username or "").lower():
            return  # meant for another bot in the group
        caller = caller_of(update)
        if not caller.private and not addressee:
            return  # an unaddressed unknown command in a group may belong to another bot
        reply = await self.router.command(caller, name, args)
        await self.answer(message, reply, context)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        reply = await self.router.text(caller_of(update), message.text, addressed=self._addressed(update, context))
        if reply is not None:
            await self.answer(message, reply, context)

    @staticmethod
    def _addressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """In a group: the message mentions the bot or replies to one of its messages."""
        message = update.effective_message
        if message is None:
            return False
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
            return True
        username = (context.bot.username or "").lower()
        mentions = message.parse_entities(["mention"]).values()
        return bool(username) and any(m.lower() == f"@{username}" for m in mentions)

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to a chat, removed from it, or its rights there changed."""
        changed = update.my_chat_member
        if changed is None or self.groups is None or changed.chat.type == ChatType.PRIVATE:
            return
        chat_id = str(changed.chat.id)
        if isinstance(self.admins, TelegramChatAdmins):
            self.admins.forget(chat_id)
        channel = changed.chat.type == ChatType.CHANNEL
        before = member_of(changed.old_chat_member, channel)
        after = member_of(changed.new_chat_member, channel)
        can_post = after.can_post and (after.is_admin or not channel)
        if not can_post:
            reason = ("removed from the chat" if after.status in {"left", "kicked"} else "may not post there")
            await self.groups.bot_removed("telegram", chat_id, f"{reason} ({changed.chat.type})")
            return
        was_in = before.can_post and (before.is_admin or not channel)
        if was_in:
            return  # rights changed but posting still works
        caller = Caller(platform="telegram", user_id=str(changed.from_user.id), chat_id=chat_id, private=False,
                        chat_type=changed.chat.type, chat_title=changed.chat.title or "")
        reply = await self.groups.bot_added(caller)
        if reply is not None:
            await self.send(chat_id, reply, context)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: Telegram says so in the old group, with the new id."""
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None or self.groups is None:
            return
        await self.groups.chat_migrated("telegram", str(message.chat_id), str(message.migrate_to_chat_id))

    async def on_forward(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A post forwarded from a channel, in a private chat: connect that channel."""
        message = update.effective_message
        if message is None:
            return
        origin = message.forward_origin
        if isinstance(origin, MessageOriginChannel) and self.groups is not None:
            reply = await self.groups.connect(caller_of(update), str(origin.chat.id))
            await self.answer(message, reply, context)
            return
        if message.text:
            await self.on_text(update, context)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        reply = await self.router.button(caller_of(update), query.data or "")
        if is_expired(reply) or not reply.text:
            await query.answer(reply.notice or None, show_alert=False)
            return
        await query.answer(reply.notice or None)
        try:
            await query.edit_message_text(
                render_html(reply), parse_mode=ParseMode.HTML, reply_markup=render_keyboard(reply)
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, TelegramError):
            log.warning("Telegram error while handling an update: %s", error)
        else:
            log.error("Unexpected error while handling an update", exc_info=error)


def build_application(settings: Settings, router: Router, limiter: SendLimiter | None = None,
                      groups: GroupService | None = None) -> tuple[AnyApp, TelegramAdapter]:
    """The PTB Application. Its requests wait for ``limiter``, the token's one ``SendLimiter``
    that the reminder dispatcher uses too."""
    from bot.adapters.telegram_limits import SharedRateLimiter

    adapter = TelegramAdapter(router, groups)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_token.reveal())
        .base_url(settings.telegram_base_url)
        .rate_limiter(SharedRateLimiter(limiter or SendLimiter(), max_retries=3))
        .build()
    )
    adapter.install(application)
    if groups is not None:
        adapter.admins = groups.admins = TelegramChatAdmins(application.bot)
    return application, adapter


@dataclass(frozen=True)
class WebhookConfig:
    """Webhook mode: Telegram POSTs updates to ``url``; the bot's server listens on
    ``listen:port`` (behind a proxy that terminates https) and refuses a request without
    ``secret`` in ``X-Telegram-Bot-Api-Secret-Token``."""

    url: str
    secret: Secret
    listen: str = "0.0.0.0"
    port: int = 8080

    @property
    def url_path(self) -> str:
        """The path the server answers on: the URL's, with or without a trailing slash."""
        return urlsplit(self.url).path.rstrip("/")


def webhook_config(settings: Settings) -> WebhookConfig | None:
    """Webhook mode when ``TELEGRAM_WEBHOOK_URL`` is set; ``None`` for polling."""
    if not settings.telegram_webhook_url:
        return None
    if not settings.telegram_webhook_secret:
        raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
    listen, port = parse_listen(settings.telegram_webhook_listen)
    return WebhookConfig(settings.telegram_webhook_url, settings.telegram_webhook_secret, listen, port)


async def serve_telegram(
    application: AnyApp,
    adapter: TelegramAdapter,
    stop: asyncio.Event,
    poll_timeout: int = 30,
    webhook: WebhookConfig | None = None,
) -> None:
    """Run the bot until ``stop`` is set: register commands, take updates by polling (or by
    ``webhook``), shut down cleanly."""
    async with application:
        await adapter.register_commands(application)
        await application.start()
        updater = application.updater
        assert updater is not None
        try:
            if webhook is None:
                await updater.start_polling(timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
                log.info("Unknot is polling Telegram as @%s", application.bot.username)
            else:
                await updater.start_webhook(
                    listen=webhook.listen,
                    port=webhook.port,
                    url_path=webhook.url_path,
                    webhook_url=webhook.url,
                    secret_token=webhook.secret.reveal(),
                    allowed_updates=Update.ALL_TYPES,
                )
                log.info("Unknot takes Telegram updates by webhook for %s on %s:%d as @%s",
                         urlsplit(webhook.url).hostname, webhook.listen, webhook.port, application.bot.username)
            await stop.wait()
        finally:
            if updater.running:  # not when starting it failed
                await updater.stop()
            await application.stop()
