"""The conversation core: turns a command or a button press into a neutral ``Reply``.

Adapters (Telegram, Discord, console) parse their platform's update, call one method here
and render the result. No platform type crosses this boundary.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.core.catalogue import Catalogue, Entry
from bot.core.replies import Button, Reply, rows
from bot.core.views import ANSWER_PREFIX, GROUP_PREFIX, ORIGIN, TOPIC_PREFIX, parse_spec

MENU = "m"
TIP_AGAIN = "tip"
__all__ = ["GROUP_PREFIX", "MENU", "TIP_AGAIN", "TOPIC_PREFIX", "ChatService", "CommandInfo", "expired"]

EXPIRED = "That button has expired or is not valid any more. Send /topics for a fresh menu."


@dataclass(frozen=True, slots=True)
class CommandInfo:
    name: str
    description: str
    section: str


BASIC_COMMANDS = (
    CommandInfo("start", "Welcome and what Unknot does", "Getting started"),
    CommandInfo("help", "Every command, grouped", "Getting started"),
    CommandInfo("topics", "Browse all topics", "Getting started"),
    CommandInfo("tip", "A random back-care tip", "Getting started"),
    CommandInfo("about", "Source, credit and disclaimer", "Getting started"),
)


class ChatService:
    """Answers the content commands. Stateless apart from its random source."""

    def __init__(self, catalogue: Catalogue, rng: random.Random | None = None) -> None:
        self.catalogue = catalogue
        self.rng = rng or random.Random()
        self.extra_commands: list[CommandInfo] = []

    # -- commands ---------------------------------------------------------------
    def commands(self) -> list[CommandInfo]:
        """Every command the bot answers, in menu order."""
        topic_cmds = [
            CommandInfo(cmd, self.catalogue.entries[eid].title, group.title)
            for group in self.catalogue.topic_groups()
            for eid in group.entry_ids
            for cmd in self.catalogue.entries[eid].commands
        ]
        return [*BASIC_COMMANDS, *self.extra_commands, *topic_cmds]

    def command(self, name: str, args: str = "") -> Reply:
        """Answer a basic or topic command. Arguments are not used by these commands."""
        name = name.lower()
        if name == "start":
            return self.start()
        if name == "help":
            return self.help()
        if name == "topics":
            return self.menu()
        if name == "tip":
            return self.tip()
        if name == "about":
            return self.about()
        entry = self.catalogue.by_command.get(name)
        if entry is not None:
            return self.topic(entry)
        return self.unknown(name)

    def start(self) -> Reply:
        about = self.catalogue.about
        text = (
            f"{about.welcome}\n\n"
            "Pick a topic below, browse everything with /topics, or see all commands with /help. "
            "You can also just ask me a question.\n\n"
            f"Every health fact I give comes from the article \"{about.source_title}\" (/about has the full "
            "credit); my own safety notes are marked as Unknot's.\n\n"
            f"{about.disclaimer}"
        )
        picks = [self.catalogue.by_command[c] for c in ("spasm", "relief", "doctor", "foods")
                 if c in self.catalogue.by_command]
        buttons = [Button(e.title, TOPIC_PREFIX + e.id) for e in picks]
        buttons.append(Button("All topics", MENU))
        return Reply(text=text, title="Welcome to Unknot", buttons=rows(buttons))

    def help(self) -> Reply:
        sections: dict[str, list[CommandInfo]] = {}
        for info in self.commands():
            sections.setdefault(info.section, []).append(info)
        parts = []
        for section, infos in sections.items():
            lines = "\n".join(f"/{i.name} - {i.description}" for i in infos)
            parts.append(f"{section}\n{lines}")
        return Reply(text="\n\n".join(parts), title="Unknot commands")

    def about(self) -> Reply:
        about = self.catalogue.about
        return Reply(
            text=f"{about.about}\n\nSource: {about.credit}\n\nDisclaimer: {about.disclaimer}",
            title="About Unknot",
        )

    def topic(self, entry: Entry, back_to_group: bool = False, back: str | None = None) -> Reply:
        """A whole topic. ``back`` is the payload of the view it was opened from, if any."""
        buttons: list[Button] = []
        if back is None and back_to_group:
            back = GROUP_PREFIX + entry.group
        if back is not None:
            buttons.append(Button("« Back", back))
        buttons.append(Button("All topics", MENU))
        return Reply(text=self.catalogue.with_notes(entry.id, entry.body), title=entry.title,
                     buttons=(tuple(buttons),))

    def tip(self) -> Reply:
        tips = self.catalogue.tips()
        chosen = self.rng.choice(tips)
        return Reply(text=self.catalogue.with_notes(chosen.id, chosen.body), title=chosen.title,
                     buttons=((Button("Another tip", TIP_AGAIN), Button("All topics", MENU)),))

    def unknown(self, name: str) -> Reply:
        shown = name[:32]
        return Reply(text=f"I don't know the command /{shown}. Send /help to see what I can do, "
                          "or /topics to browse.")

    # -- menu ------------------------------------------------------------------
    def menu(self) -> Reply:
        buttons = [Button(g.title, GROUP_PREFIX + g.id) for g in self.catalogue.topic_groups()]
        return Reply(text="Choose a subject:", title="Topics", buttons=rows(buttons))

    def group_menu(self, group_id: str, back: str = MENU) -> Reply | None:
        group = self.catalogue.group(group_id)
        if group is None:
            return None
        topics = [self.catalogue.entries[i] for i in group.entry_ids if not self.catalogue.entries[i].is_tip]
        if not topics:
            return None
        buttons = [Button(e.title, TOPIC_PREFIX + e.id) for e in topics]
        keyboard = (*rows(buttons, per_row=1), (Button("« Back", back),))
        return Reply(text="Choose a topic:", title=group.title, buttons=keyboard)

    def button(self, payload: str) -> Reply:
        """Answer a menu button. Unknown or tampered payloads get ``EXPIRED`` as a notice only."""
        if payload == MENU:
            return self.menu()
        if payload == TIP_AGAIN:
            return self.tip()
        if payload.startswith(ANSWER_PREFIX):
            view = parse_spec(self.catalogue, payload[len(ANSWER_PREFIX):])
            return view.render(self.catalogue) if view is not None else expired()
        target, _, origin = payload.partition(ORIGIN)
        back: str | None = None
        if origin:  # opened from a free-text answer: "« Back" redraws that answer
            if parse_spec(self.catalogue, origin) is None:
                return expired()
            back = ANSWER_PREFIX + origin
        if target.startswith(GROUP_PREFIX):
            reply = self.group_menu(target[len(GROUP_PREFIX):], back=back or MENU)
            if reply is not None:
                return reply
        elif target.startswith(TOPIC_PREFIX):
            entry = self.catalogue.entries.get(target[len(TOPIC_PREFIX):])
            if entry is not None and not entry.is_tip:
                return self.topic(entry, back_to_group=True, back=back)
        return expired()


def expired() -> Reply:
    """A reply that must not replace the message: only a polite notice."""
    return Reply(text="", notice=EXPIRED)


def is_expired(reply: Reply) -> bool:
    return reply.notice == EXPIRED and not reply.text
