"""Terminal console: the same core, typed commands in, plain text out.

Buttons are shown as numbered choices; typing the number presses the button. Works with a
pipe on stdin, so scripts can drive it.
"""

from __future__ import annotations

import asyncio
from typing import TextIO

from bot.core.chat import is_expired
from bot.core.replies import Button, Reply
from bot.core.router import Caller, Router, parse_command
from bot.core.schedule import whole_number

QUIT_WORDS = {"/quit", "/exit", "quit", "exit"}


def render_plain(reply: Reply) -> str:
    parts = []
    if reply.notice:
        parts.append(f"({reply.notice})")
    if reply.title:
        parts.append(reply.title.upper())
    if reply.text:
        parts.append(reply.text)
    text = "\n\n".join(parts)
    choices = reply.all_buttons()
    if choices:
        text += "\n\n" + "\n".join(f"  [{i}] {b.label}" for i, b in enumerate(choices, 1))
    return text


class Console:
    def __init__(self, router: Router, stdin: TextIO, stdout: TextIO, interactive: bool) -> None:
        self.router = router
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = interactive
        self.caller = Caller(platform="console", user_id="console", chat_id="console", private=True)
        self.choices: list[Button] = []

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def show(self, reply: Reply) -> None:
        if not is_expired(reply) and reply.buttons:
            self.choices = reply.all_buttons()
        self.write(render_plain(reply))
        self.write("")

    async def handle(self, line: str) -> Reply | None:
        line = line.strip()
        if not line:
            return None
        if whole_number(line):
            index = int(line) - 1
            if 0 <= index < len(self.choices):
                return await self.router.button(self.caller, self.choices[index].payload)
            return Reply(text=f"There is no choice {line[:10]} here. Pick one of the numbers shown, or type /help.")
        parsed = parse_command(line)
        if parsed is not None:
            name, args, _ = parsed
            return await self.router.command(self.caller, name, args)
        return await self.router.text(self.caller, line)

    async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
        """Notifier for the dispatcher: a reminder appears between prompts, with its choices."""
        self.write("")
        self.show(reply)
        if self.interactive:
            self.stdout.write("> ")
            self.stdout.flush()

    async def run(self) -> None:
        if self.interactive:
            self.write("Unknot console. Type /start or /help; numbers pick a choice; Ctrl-D or /quit leaves.\n")
        while True:
            if self.interactive:
                self.stdout.write("> ")
                self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            if line.strip().lower() in QUIT_WORDS:
                break
            reply = await self.handle(line)
            if reply is not None:
                self.show(reply)
