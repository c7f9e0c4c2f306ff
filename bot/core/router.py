"""One entry point for every adapter: commands, button presses and free text.

The router knows which core service owns which command and which button payload; the
adapters only know how to talk to their platform.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.chat import ChatService, CommandInfo
from bot.core.replies import Reply

MAX_TEXT_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is talking and where. Ids are strings so every platform fits."""

    platform: str
    user_id: str
    chat_id: str
    private: bool = True
    display_name: str = ""


class Router:
    def __init__(self, chat: ChatService) -> None:
        self.chat = chat

    def commands(self) -> list[CommandInfo]:
        return self.chat.commands()

    def knows(self, name: str) -> bool:
        return self.chat.knows(name.lower())

    async def command(self, caller: Caller, name: str, args: str = "") -> Reply:
        return self.chat.command(name.lower(), args[:MAX_TEXT_CHARS])

    async def button(self, caller: Caller, payload: str) -> Reply:
        return self.chat.button(payload[:64])

    async def text(self, caller: Caller, text: str) -> Reply | None:
        """Free text. Answered in private chats only, pointing to the commands."""
        if not caller.private:
            return None
        return Reply(text="I answer commands for now. Send /help to see them all, or /topics to browse.")


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
