"""One entry point for every adapter: commands, button presses and free text.

The router knows which core service owns which command and which button payload; the
adapters only know how to talk to their platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.core.answers import AnswerEngine, strip_mentions
from bot.core.chat import MENU, TIP_AGAIN, ChatService, CommandInfo, expired
from bot.core.replies import Reply
from bot.core.views import ANSWER_PREFIX, GROUP_PREFIX, TOPIC_PREFIX

MAX_TEXT_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is talking and where. Ids are strings so every platform fits."""

    platform: str
    user_id: str
    chat_id: str
    private: bool = True
    display_name: str = ""
    chat_type: str = "private"  # private, group, supergroup or channel
    thread_id: int = 0  # the forum topic the message came from (0: none)
    anonymous_admin: bool = False  # wrote as the group itself: only its administrators can
    chat_title: str = ""


class CommandService(Protocol):
    """A core service that owns some commands and the buttons whose payload starts with ``prefix``."""

    @property
    def commands(self) -> tuple[CommandInfo, ...]: ...

    def handles(self, name: str) -> bool: ...

    async def command(self, caller: Caller, name: str, args: str) -> Reply: ...

    async def button(self, caller: Caller, payload: str) -> Reply: ...


@runtime_checkable
class PlainWords(Protocol):
    """A service that understands some free text in a private chat (reminders set up in plain words)."""

    async def plain_words(self, caller: Caller, text: str) -> Reply | None: ...


class Router:
    def __init__(self, chat: ChatService, services: dict[str, CommandService] | None = None,
                 answers: AnswerEngine | None = None) -> None:
        """``services`` maps a button-payload prefix (such as ``"r"``) to the service owning it."""
        self.chat = chat
        self.services = services or {}
        taken = {p.rstrip(":") for p in (ANSWER_PREFIX, TOPIC_PREFIX, GROUP_PREFIX, MENU, TIP_AGAIN)}
        clash = taken & set(self.services)
        if clash:  # the menu's buttons would go to that service and come back "expired"
            raise ValueError(f"button prefixes {sorted(clash)} belong to the topic menus")
        self.answers = answers
        for service in self.services.values():
            chat.extra_commands.extend(service.commands)

    def commands(self) -> list[CommandInfo]:
        return self.chat.commands()

    async def command(self, caller: Caller, name: str, args: str = "") -> Reply:
        name = name.lower()
        args = args[:MAX_TEXT_CHARS]
        for service in self.services.values():
            if service.handles(name):
                return await service.command(caller, name, args)
        return self.chat.command(name, args)

    async def button(self, caller: Caller, payload: str) -> Reply:
        if len(payload.encode()) > 64:
            return expired()
        prefix = payload.split(":", 1)[0]
        service = self.services.get(prefix)
        if service is not None and ":" in payload:
            return await service.button(caller, payload)
        return self.chat.button(payload)

    async def text(self, caller: Caller, text: str, addressed: bool = False) -> Reply | None:
        """A free-text question: every message in a private chat; in groups only when the bot
        is mentioned or replied to (``addressed``)."""
        if not caller.private and not addressed:
            return None
        question = strip_mentions(text[:MAX_TEXT_CHARS])
        if not question:
            return Reply(text="Ask me anything about back spasms and pain, or send /help.")
        if caller.private:  # a person in crisis gets help first, never a reminder proposal
            screened = self.answers.screen(question) if self.answers is not None else None
            if screened is not None:
                return screened.reply
            for service in self.services.values():
                reply = await service.plain_words(caller, question) if isinstance(service, PlainWords) else None
                if reply is not None:
                    return reply
        if self.answers is None:
            return Reply(text="Send /help to see what I can tell you about.")
        return self.answers.answer(question).reply


def parse_command(text: str) -> tuple[str, str, str | None] | None:
    """Split ``/name@Bot args`` into (name, args, addressee). None if not a command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    head = head.split("\n", 1)[0]
    name, _, addressee = head.partition("@")
    if not name:
        return None
    return name.lower(), args.strip(), (addressee or None)
