"""How reminders look, shared by the dispatcher and the buttons that edit them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.catalogue import Catalogue, Entry, Note
from bot.core.replies import Button, Reply

KIND_TITLES = {"posture": "Posture break", "water": "Water", "stretch": "Stretch break", "daily": "Tip of the day"}
KIND_LABELS = {"posture": "Posture break", "water": "Water", "stretch": "Stretch", "daily": "Daily tip"}
SNOOZE_MINUTES = 10


def reminder_reply(catalogue: Catalogue, kind: str, tip: Entry, delivery_id: int | None,
                   status: str | None = None, once: Sequence[Note] = ()) -> Reply:
    """A reminder message: the tip with its safety notes (and ``once``, notes sent a single
    time), marked as Unknot's."""
    text = catalogue.with_notes(tip.id, tip.body, once)
    if status is not None:
        text = f"{text}\n\n{status}"
    buttons: tuple[tuple[Button, ...], ...] = ()
    if delivery_id is not None and status is None:
        buttons = (
            (Button("✅ Done", f"r:d:{delivery_id}"), Button(f"⏰ Snooze {SNOOZE_MINUTES} min", f"r:s:{delivery_id}")),
            (Button("⏸ Pause for today", f"r:p:{delivery_id}"),),
        )
    return Reply(text=text, title=KIND_TITLES[kind], buttons=buttons)


KIND_PHRASES = {"posture": "a posture break", "water": "a glass of water", "stretch": "a stretch",
                "daily": "the tip of the day"}
KIND_SHORT = {"posture": "Posture", "water": "Water", "stretch": "Stretch", "daily": "Tip"}


@dataclass(frozen=True)
class Part:
    """One reminder inside a combined message."""

    kind: str
    tip: Entry
    delivery_id: int | None
    status: str | None = None
    once: Sequence[Note] = ()


def combined_title(kinds: Sequence[str]) -> str:
    """"Posture break and a glass of water", "A stretch, a glass of water and the tip of the day"."""
    phrases = [KIND_PHRASES[k] for k in kinds]
    text = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return text[0].upper() + text[1:]


def combined_reply(catalogue: Catalogue, parts: Sequence[Part], notice_status: str | None = None) -> Reply:
    """Several reminders due together for one chat, as one message with buttons for each.

    A single part looks exactly like ``reminder_reply``. Each part's ✅ and ⏰ act on that
    reminder alone; "Pause for today" pauses them all. A part a button acted on shows its status
    instead of its buttons."""
    if len(parts) == 1:
        p = parts[0]
        return reminder_reply(catalogue, p.kind, p.tip, p.delivery_id, p.status or notice_status, p.once)
    sections = []
    rows: list[tuple[Button, ...]] = []
    for p in parts:
        body = catalogue.with_notes(p.tip.id, p.tip.body, p.once)
        section = f"{KIND_TITLES[p.kind]}: {body}"
        if p.status:
            section += f"\n{p.status}"
        sections.append(section)
        if p.delivery_id is not None and p.status is None and notice_status is None:
            short = KIND_SHORT[p.kind]
            rows.append((Button(f"✅ {short} done", f"r:d:{p.delivery_id}"),
                         Button(f"⏰ {short} in {SNOOZE_MINUTES} min", f"r:s:{p.delivery_id}")))
    text = "\n\n".join(sections)
    if notice_status:
        text += f"\n\n{notice_status}"
    lead = parts[0].delivery_id
    if rows and lead is not None:
        rows.append((Button("⏸ Pause all for today", f"r:p:{lead}"),))
    title = combined_title([p.kind for p in parts])
    return Reply(text=text, title=title, buttons=tuple(rows))


def hashtag(tip: Entry) -> str:
    """The topic of a tip as a hashtag: its first keyword, "vitamin d" -> #VitaminD."""
    words = (tip.keywords[0] if tip.keywords else tip.kind or "backcare").replace("-", " ").split()
    return "#" + "".join(w[:1].upper() + w[1:] for w in words)


def post_reply(catalogue: Catalogue, parts: Sequence[Part]) -> Reply:
    """A post for a group or a channel: the title, each tip with its safety notes, a hashtag
    per topic, the source and the disclaimer. No buttons: they would need a private chat."""
    if len(parts) == 1:
        title = KIND_TITLES[parts[0].kind]
        sections = [catalogue.with_notes(parts[0].tip.id, parts[0].tip.body, parts[0].once)]
    else:
        title = combined_title([p.kind for p in parts])
        sections = [f"{KIND_TITLES[p.kind]}: {catalogue.with_notes(p.tip.id, p.tip.body, p.once)}" for p in parts]
    tags = " ".join(dict.fromkeys(["#BackCare", *(hashtag(p.tip) for p in parts)]))
    about = catalogue.about
    footer = f"Source: \"{about.source_title}\", retold by Unknot. {about.disclaimer}"
    return Reply(text="\n\n".join([*sections, tags, footer]), title=title)
