"""Tips for a whole community: groups and channels, set up by their administrators.

A group or channel is a subscriber of its own (``Subscriber.kind`` group or channel), with
the same subscriptions, dispatcher and limiter as a person's reminders. What the platform
knows (who is an administrator, what the bot may do in a chat) comes through ``ChatAdmins``,
which the platform adapter implements (Telegram asks the Bot API, with a short cache).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import time
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.catalogue import Catalogue
from bot.core.chat import CommandInfo, expired
from bot.core.clock import Clock
from bot.core.replies import Reply
from bot.core.router import Caller
from bot.core.schedule import (
    ALL_DAYS,
    InputError,
    canonical_zone_name,
    describe_days,
    parse_clock,
    parse_days,
    parse_hours,
    resolve_zone,
    zone_from_name,
)
from bot.reminders.service import fmt_when, reschedule, subscription_of
from bot.storage.models import CHANNEL, GROUP, Subscriber, Subscription
from bot.storage.store import ReminderStore

log = logging.getLogger(__name__)

SECTION = "Groups and channels"
COMMANDS = (
    CommandInfo("grouptips", "In a group: a daily tip, e.g. /grouptips 09:00 Europe/London mon-fri", SECTION),
    CommandInfo("groupbreaks", "In a group: breaks, e.g. /groupbreaks stretch every 90m 10:00-17:00", SECTION),
    CommandInfo("channel", "Connect a channel you run: /channel @name 08:00 Europe/Paris", SECTION),
    CommandInfo("channels", "Your connected channels and their next post", SECTION),
)
BREAK_KINDS = {"stretch": "stretch", "stretching": "stretch", "posture": "posture", "water": "water",
               "break": "posture", "breaks": "posture"}
BREAK_NAMES = {"posture": "Posture breaks", "stretch": "Stretch breaks", "water": "Water breaks"}
MIN_BREAK, MAX_BREAK = 15, 240  # minutes between group breaks
_CLOCK_RE = re.compile(r"^\d{1,2}([:.h]\d{2})?$")
_INTERVAL_RE = re.compile(r"^(?:(\d{1,3})h)?(?:(\d{1,4})(?:m|min|mins)?)?$")
_CHANNEL_REF_RE = re.compile(r"^(?:https?://)?(?:t\.me/|telegram\.me/)?@?([A-Za-z][A-Za-z0-9_]{3,31})$")
ADMINS_ONLY = ("Only this group's administrators can change its tips. Ask one of them, or send me /tip in a "
               "private chat.")
IN_A_GROUP = ("That works inside a group: add me to the group and send it there. For a channel you run, "
              "send me /channel @yourchannel here.")
IN_PRIVATE = "Send /channel and /channels to me in a private chat: a channel is connected from there."


@dataclass(frozen=True, slots=True)
class Member:
    """What the platform says about someone (or the bot) in a chat."""

    status: str  # creator, administrator, member, restricted, left, kicked
    can_post: bool  # may send messages (in a channel: an administrator allowed to post)

    @property
    def is_admin(self) -> bool:
        return self.status in {"creator", "administrator"}


@dataclass(frozen=True, slots=True)
class ChatInfo:
    chat_id: str
    kind: str  # private, group, supergroup, channel
    title: str
    username: str | None = None

    @property
    def name(self) -> str:
        return f"@{self.username}" if self.username else self.title


class PlatformUnavailable(InputError):
    """The platform did not answer a question about a chat (a timeout, a 5xx, a 429)."""

    def __init__(self) -> None:
        super().__init__("Telegram didn't answer just now, so I couldn't check. Please try again in a minute.")


class ChatAdmins(Protocol):
    """The platform's answers about chats and their members."""

    async def find_chat(self, ref: str) -> ChatInfo | None: ...

    async def member(self, chat_id: str, person_id: str, fresh: bool = False) -> Member:
        """``fresh``: ask the platform now (someone was just made an administrator), not a cache."""

    async def bot_member(self, chat_id: str) -> Member:
        """The bot's own status and rights in the chat, asked now."""


class GroupService:
    """/grouptips and /groupbreaks in groups; /channel and /channels in a private chat."""

    commands = COMMANDS

    def __init__(self, store: ReminderStore, catalogue: Catalogue, clock: Clock,
                 admins: ChatAdmins | None = None) -> None:
        self.store = store
        self.catalogue = catalogue
        self.clock = clock
        self.admins = admins  # set by the platform adapter that can answer

    def handles(self, name: str) -> bool:
        return any(c.name == name for c in COMMANDS)

    async def command(self, caller: Caller, name: str, args: str) -> Reply:
        try:
            if name in {"grouptips", "groupbreaks"}:
                if caller.private or caller.chat_type == CHANNEL:
                    return Reply(text=IN_A_GROUP)
                if args.strip() and not await self._is_group_admin(caller):  # anyone may look
                    return Reply(text=ADMINS_ONLY)
                return await (self.group_tips if name == "grouptips" else self.group_breaks)(caller, args.strip())
            if not caller.private:
                return Reply(text=IN_PRIVATE)
            if name == "channels":
                return await self.list_channels(caller)
            return await self.channel(caller, args.strip())
        except InputError as exc:
            return Reply(text=str(exc))

    async def button(self, caller: Caller, payload: str) -> Reply:
        return expired()

    async def _is_group_admin(self, caller: Caller) -> bool:
        if caller.anonymous_admin:  # wrote as the group: only its administrators can
            return True
        if self.admins is None:
            return False
        return (await self.admins.member(caller.chat_id, caller.user_id)).is_admin

    # -- groups --------------------------------------------------------------------
    async def group_tips(self, caller: Caller, args: str, command: str = "/grouptips") -> Reply:
        """The daily tip of a group (or, on Discord, a server channel: ``command`` names the
        command people type there)."""
        now = self.clock.now()
        words = args.lower().split()
        async with self.store.session() as session, session.begin():
            if not words:  # anyone may look; looking stores nothing
                found = await self.store.get_chat(session, caller.platform, caller.chat_id)
                return Reply(text=await self._status(session, found, command), title="Tips in this group")
            chat = await self.store.get_or_create_chat(session, caller.platform, GROUP, caller.chat_id,
                                                       caller.user_id, now, caller.chat_title or None)
            daily = await self._subscription(session, chat, "daily")
            if words in (["off"], ["stop"]):
                daily.enabled = False
                await self._reschedule(session, chat)
                return Reply(text=f"Daily tips are off here. {command} on starts them again with the same time.")
            self._apply(chat, daily, *(parse_schedule(args) if words != ["on"] else (None, None, None)))
            self._here(chat, caller)
            await self._reschedule(session, chat)
            status = await self._status(session, chat, command)
        return Reply(text=f"Saved. {status}", title="Tips in this group")

    async def group_breaks(self, caller: Caller, args: str) -> Reply:
        now = self.clock.now()
        words = args.lower().split()
        async with self.store.session() as session, session.begin():
            if not words:  # anyone may look; looking stores nothing
                found = await self.store.get_chat(session, caller.platform, caller.chat_id)
                return Reply(text=await self._status(session, found), title="Tips in this group")
            chat = await self.store.get_or_create_chat(session, caller.platform, GROUP, caller.chat_id,
                                                       caller.user_id, now, caller.chat_title or None)
            if words in (["off"], ["stop"]):
                for name in ("posture", "stretch", "water"):
                    (await self._subscription(session, chat, name)).enabled = False
                await self._reschedule(session, chat)
                return Reply(text="Breaks are off for this group. The daily tip is unchanged (/grouptips).")
            kind = BREAK_KINDS.get(words[0])
            if kind is None:
                raise InputError("Which break? Try /groupbreaks stretch every 90m 10:00-17:00, "
                                 "/groupbreaks posture every 60m, /groupbreaks stretch off or /groupbreaks off.")
            sub = await self._subscription(session, chat, kind)
            rest = words[1:]
            if rest in (["off"], ["stop"]):
                sub.enabled = False
            else:
                interval, hours = parse_breaks(rest)
                if interval is not None:
                    sub.interval_minutes = interval
                if hours is not None:
                    chat.window_start, chat.window_end = (f"{t:%H:%M}" for t in hours)
                sub.enabled = True
                self._here(chat, caller)
            await self._reschedule(session, chat)
            status = await self._status(session, chat)
        return Reply(text=f"Saved. {status}", title="Tips in this group")

    @staticmethod
    def _here(chat: Subscriber, caller: Caller) -> None:
        """Set up from here: posts go to this forum topic (or the chat itself); the chat is
        active again (a command arrived, so the bot is back in it)."""
        chat.thread_id = caller.thread_id
        chat.blocked = False
        chat.blocked_reason = None
        chat.stopped = False
        if caller.chat_title:
            chat.title = caller.chat_title[:128]

    # -- channels ------------------------------------------------------------------
    async def channel(self, caller: Caller, args: str) -> Reply:
        words = args.split()
        if not words:
            return Reply(text=CHANNEL_HELP, title="Connect a channel")
        ref, rest = words[0], " ".join(words[1:])
        return await self.connect(caller, ref, rest)

    async def connect(self, caller: Caller, ref: str, rest: str = "") -> Reply:
        """Connect (or change, or switch off) the channel ``ref``: ``@name``, a t.me link, or the
        id of a channel a post was forwarded from. Every check the platform can answer is made.

        A bare ``/channel @name`` (or a forwarded post) for a channel already connected only
        shows its state; changing it (a time, ``on``, ``off``) makes the sender its owner, the
        one ``/channels`` lists it for. Whoever owns it can switch it off even after the bot
        lost its rights there."""
        if self.admins is None:
            return Reply(text="Channels can only be connected on Telegram.")
        match = _CHANNEL_REF_RE.match(ref)
        numeric = re.fullmatch(r"-100\d{5,15}", ref) is not None
        if match is None and not numeric:
            raise InputError(f"{ref[:40]!r} doesn't look like a channel. Send /channel @yourchannel, or forward "
                             "me any post from the channel.")
        ref = ref if numeric else f"@{match.group(1)}" if match else ref
        words = rest.lower().split()
        off, on = words in (["off"], ["stop"]), words == ["on"]
        at, zone, days = (None, None, None) if off or on or not words else parse_schedule(rest)
        if off:
            async with self.store.session() as session, session.begin():
                owned = await self.store.channel_by_ref(session, caller.platform, ref)
                if owned is not None and owned.person_id == caller.user_id:
                    return await self._switch_off(session, owned)
        info = await self.admins.find_chat(ref)
        if info is None:
            if numeric:
                return Reply(text="I can't see that channel yet. Add me to it as an administrator with \"Post "
                                  "messages\" on, then forward the post again.")
            return Reply(text=f"I can't find {ref[:40]}. Check the name; a private channel has no @name, so "
                              "add me to it as an administrator and forward me one of its posts instead.")
        if info.kind != CHANNEL:
            return Reply(text=f"{info.name} is a group, not a channel. Add me to it and send /grouptips there.")
        handle = f"@{info.username}" if info.username else info.chat_id
        bot = await self.admins.bot_member(info.chat_id)
        if not bot.is_admin:
            return Reply(text=f"I'm not an administrator of {info.name} yet. In the channel's settings, open "
                              "Administrators, add me and leave \"Post messages\" on; then send this again.")
        if not bot.can_post:
            return Reply(text=f"I'm an administrator of {info.name} but may not post messages. Turn on "
                              "\"Post messages\" for me under Administrators; then send this again.")
        if not (await self.admins.member(info.chat_id, caller.user_id, fresh=True)).is_admin:
            return Reply(text=f"Only administrators of {info.name} can connect it, and Telegram says you are "
                              "not one.")
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            existing = await self.store.get_chat(session, caller.platform, info.chat_id)
            chat = existing or await self.store.get_or_create_chat(session, caller.platform, CHANNEL, info.chat_id,
                                                                   caller.user_id, now, info.name)
            chat.title = (handle if handle.startswith("@") else info.title)[:128]
            daily = await self._subscription(session, chat, "daily")
            if existing is not None and not words:
                return Reply(text=self._channel_line(chat, daily), title="Channel tips")
            chat.person_id = caller.user_id
            if off:
                return await self._switch_off(session, chat)
            self._apply(chat, daily, at, zone, days)
            chat.blocked, chat.blocked_reason, chat.stopped = False, None, False
            await self._reschedule(session, chat)
            status = self._channel_line(chat, daily)
        hint = "" if words else (f"\n\nChange the time with /channel {handle} 08:00 Europe/Paris "
                                 f"(time, zone, days), or /channel {handle} off.")
        return Reply(text=f"Connected. {status}{hint}", title="Channel tips")

    async def _switch_off(self, session: AsyncSession, chat: Subscriber) -> Reply:
        daily = await self._subscription(session, chat, "daily")
        daily.enabled = False
        await self._reschedule(session, chat)
        handle = channel_handle(chat)
        return Reply(text=f"Daily tips for {chat.title or handle} are off. /channel {handle} on starts them again.")

    async def list_channels(self, caller: Caller) -> Reply:
        async with self.store.session() as session:
            channels = await self.store.channels_of(session, caller.platform, caller.user_id)
            lines = []
            for chat in channels:
                daily = next((s for s in await self.store.subscriptions(session, chat.id) if s.kind == "daily"), None)
                lines.append(self._channel_line(chat, daily))
        if not lines:
            return Reply(text="You have no channels connected. " + CHANNEL_HELP, title="Your channels")
        return Reply(text="\n".join(lines) + "\n\nChange one with /channel @name 08:00 Europe/Paris, or "
                                              "/channel @name off.", title="Your channels")

    def _channel_line(self, chat: Subscriber, daily: Subscription | None) -> str:
        name = chat.title or chat.chat_id
        if daily is None or not daily.enabled:
            return f"{name}: daily tip off" + (" (and I can't post there at the moment)" if chat.blocked else "")
        if chat.blocked:
            return (f"{name}: stopped, I can't post there ({chat.blocked_reason or 'no rights'}). Fix my rights, "
                    f"then send /channel {channel_handle(chat)} on.")
        return f"{name}: daily tip at {daily.at_time} {self._zone_days(chat)}, next {self._next(chat, daily)}"

    # -- membership events (from the platform) ---------------------------------------
    async def bot_removed(self, platform: str, chat_id: str, reason: str) -> bool:
        """The bot left, was removed or may no longer post: the chat's posts stop at once."""
        found = await self.store.deactivate_chat(platform, chat_id, reason)
        if found:
            log.info("chat %s deactivated: %s", chat_id, reason)
        return found

    async def bot_added(self, caller: Caller) -> Reply | None:
        """The bot joined a group (or was let back in): introduce it once; after a removal,
        say how to turn the posts back on. Channels get nothing posted."""
        if caller.chat_type == CHANNEL:
            return None
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            chat = await self.store.get_chat(session, caller.platform, caller.chat_id)
            if chat is None:
                await self.store.get_or_create_chat(session, caller.platform, GROUP, caller.chat_id,
                                                    caller.user_id, now, caller.chat_title or None)
                return self.introduction()
            if not chat.blocked:
                return None  # already here and posting (Telegram also says "joined" after an upgrade)
            had = [s for s in await self.store.subscriptions(session, chat.id) if s.enabled]
        if not had:
            return Reply(text="Hello again! An administrator can start a daily back-care tip here with "
                              "/grouptips 09:00 Europe/London (time, zone, days).")
        kinds = " and ".join("the daily tip" if s.kind == "daily" else BREAK_NAMES[s.kind].lower() for s in had)
        return Reply(text=f"Thanks for having me back. Posts here stopped when I was removed; your settings "
                          f"for {kinds} are kept. An administrator can turn them back on with /grouptips on"
                          + (" and /groupbreaks" if any(s.kind != "daily" for s in had) else "") + ".")

    def introduction(self) -> Reply:
        about = self.catalogue.about
        return Reply(title="Hi, I'm Unknot", text=(
            f"{about.welcome}\n\nIn this group I can post one back-care tip a day and, if you like, a stretch or "
            "posture break during working hours. Administrators set it up:\n"
            "/grouptips 09:00 Europe/London mon-fri - a daily tip (time, zone and days)\n"
            "/groupbreaks stretch every 90m 10:00-17:00 - breaks in working hours\n"
            "/grouptips - what is set and when the next post comes\n\n"
            "Anyone can ask me something by mentioning me, or use /topics and /tip. Personal reminders are "
            f"set up in a private chat with me.\n\n{about.disclaimer}"))

    async def chat_migrated(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        if await self.store.migrate_chat(platform, old_chat_id, new_chat_id):
            log.info("chat %s became a supergroup: its settings moved to %s", old_chat_id, new_chat_id)

    # -- shared ----------------------------------------------------------------------
    async def _subscription(self, session: AsyncSession, chat: Subscriber, kind: str) -> Subscription:
        return await subscription_of(self.store, session, chat, kind)

    async def _reschedule(self, session: AsyncSession, chat: Subscriber) -> None:
        await reschedule(self.store, session, chat, self.clock.now())

    @staticmethod
    def _apply(chat: Subscriber, daily: Subscription, at: time | None, zone: str | None,
               days: frozenset[int] | None) -> None:
        """What ``parse_schedule`` found, onto the chat and its daily tip; the rest stays."""
        if at is not None:
            daily.at_time = f"{at:%H:%M}"
        if zone is not None:
            chat.timezone = zone
        if days is not None:
            chat.days = "".join(str(d) for d in sorted(days))
        daily.enabled = True

    def _zone_days(self, chat: Subscriber) -> str:
        zone = canonical_zone_name(chat.timezone) if chat.timezone else "UTC"
        days = frozenset(int(d) for d in chat.days)
        return f"({zone}, {describe_days(days) if days != ALL_DAYS else 'every day'})"

    def _next(self, chat: Subscriber, sub: Subscription) -> str:
        if sub.next_due_at is None:
            return "not scheduled"
        return fmt_when(zone_from_name(chat.timezone), sub.next_due_at, self.clock.now())

    async def _status(self, session: AsyncSession, chat: Subscriber | None, command: str = "/grouptips") -> str:
        if chat is None:
            return "Nothing is set up here yet. " + start_hint(command)
        subs = {s.kind: s for s in await self.store.subscriptions(session, chat.id)}
        if chat.blocked:
            return ("Posts here are stopped: I was removed or couldn't post. An administrator can send "
                    f"{command} on to start them again.")
        lines = []
        daily = subs.get("daily")
        if daily is not None and daily.enabled:
            lines.append(f"Daily tip at {daily.at_time} {self._zone_days(chat)}, next {self._next(chat, daily)}.")
        else:
            lines.append("Daily tip: off. " + start_hint(command))
        for kind in ("posture", "stretch", "water"):
            sub = subs.get(kind)
            if sub is not None and sub.enabled:
                lines.append(f"{BREAK_NAMES[kind]} every {sub.interval_minutes} min, "
                             f"{chat.window_start}-{chat.window_end}, next {self._next(chat, sub)}.")
        if chat.thread_id:
            lines.append("Posts go to the topic where they were set up.")
        if not chat.timezone:
            lines.append(f"Times are UTC until you add a zone, e.g. {command} 09:00 Europe/London.")
        return "\n".join(lines)


def channel_handle(chat: Subscriber) -> str:
    """What to type after /channel for this channel: its @name, or its id if it has none."""
    return chat.title if chat.title and chat.title.startswith("@") else chat.chat_id


def start_hint(command: str = "/grouptips") -> str:
    return f"An administrator can start a daily tip with {command} 09:00 Europe/London (time, zone, days)."



CHANNEL_HELP = ("To post a daily tip in a channel you run: add me to the channel as an administrator allowed "
                "to post messages, then send me /channel @yourchannel 08:00 Europe/Paris (time, zone and days "
                "are optional), or forward me any post from the channel.")


def parse_schedule(args: str) -> tuple[time | None, str | None, frozenset[int] | None]:
    """``09:00 Europe/London mon-fri`` in any order, each part optional: (time, zone, days).
    Anything left over must be a time zone ("New York" is two words)."""
    text = re.sub(r"\bevery\s+day\b", "everyday", args.strip(), flags=re.IGNORECASE)
    at: time | None = None
    days: frozenset[int] | None = None
    rest: list[str] = []
    for word in text.split():
        low = word.lower().rstrip(",")
        if _CLOCK_RE.match(low) and at is None:
            at = parse_clock(low)
            continue
        try:
            days = parse_days(low) if days is None else days | parse_days(low)
            continue
        except InputError:
            rest.append(word)
    zone = resolve_zone(" ".join(rest))[0] if rest else None
    return at, zone, days


def parse_breaks(words: list[str]) -> tuple[int | None, tuple[time, time] | None]:
    """``every 90m 10:00-17:00`` (each part optional): (interval in minutes, active hours)."""
    interval: int | None = None
    hours: tuple[time, time] | None = None
    for word in words:
        if word == "every":
            continue
        if "-" in word:
            hours = parse_hours(word)
            continue
        match = _INTERVAL_RE.match(word)
        if match is None or not (match.group(1) or match.group(2)) or not word[-1:].isalpha():
            raise InputError(f"I didn't get {word[:20]!r}. Try /groupbreaks stretch every 90m 10:00-17:00.")
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
        if not MIN_BREAK <= minutes <= MAX_BREAK:
            raise InputError(f"Breaks can come every {MIN_BREAK} minutes to every {MAX_BREAK // 60} hours; "
                             f"{word[:12]} is outside that.")
        interval = minutes
    return interval, hours
