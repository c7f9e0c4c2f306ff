"""A free-text answer as a view that buttons can return to.

An answer shows one to three topics, each whole or shortened to some of its lines. The view is
small enough to travel inside a button payload (``a:`` + its spec, at most 64 bytes), so
"Full topic" and "Related topics" can offer a "« Back" that redraws the very answer the
person came from, with nothing stored on the server.

Spec: parts joined by ``,``; a part is the entry id, then the kept line numbers, joined by
``.`` (``ice.0.2.5``; ``ice`` alone is the whole topic). A leading ``!`` means the answer
opened with Unknot's "see a doctor" note.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.catalogue import ID_RE, Catalogue, Entry, Note
from bot.core.replies import Button, Reply
from bot.core.schedule import whole_number

ANSWER_PREFIX = "a:"
TOPIC_PREFIX = "t:"
GROUP_PREFIX = "g:"
ORIGIN = ";"  # "t:<id>;<spec>": a topic opened from an answer; "g:<group>;<spec>" likewise
MAX_PAYLOAD = 64
MAX_PARTS = 3


@dataclass(frozen=True, slots=True)
class Part:
    entry: Entry
    lines: tuple[int, ...] = ()  # () = the whole body

    @property
    def cut(self) -> bool:
        return bool(self.lines)

    def text(self) -> str:
        if not self.lines:
            return self.entry.body
        body = self.entry.body.splitlines()
        return "\n".join(body[i] for i in self.lines)


@dataclass(frozen=True, slots=True)
class AnswerView:
    parts: tuple[Part, ...]
    see_doctor: bool = False

    def spec(self) -> str:
        encoded = ",".join(".".join([p.entry.id, *map(str, p.lines)]) for p in self.parts)
        return ("!" if self.see_doctor else "") + encoded

    def payload(self) -> str:
        return ANSWER_PREFIX + self.spec()

    def render(self, catalogue: Catalogue) -> Reply:
        safety = catalogue.safety
        notes: list[Note] = []
        for part in self.parts:
            notes.extend(n for n in catalogue.notes_for(part.entry.id) if n not in notes)
        if len(self.parts) == 1:
            part = self.parts[0]
            more = f"\n\nMore: /{part.entry.commands[0]}" if part.cut and part.entry.commands else ""
            body = part.text() + more
            title: str | None = part.entry.title
        else:
            body = "\n\n".join(f"{i}. {p.entry.title}\n{p.text()}" for i, p in enumerate(self.parts, 1))
            title = "Your questions"
        body = safety.appended(body, notes)
        if self.see_doctor:
            body = f"{safety.marked(safety.see_doctor.body)}\n\nWhat the article says ({title}):\n{body}"
            title = safety.see_doctor.title
        return Reply(text=body, title=title, buttons=self._buttons())

    def _buttons(self) -> tuple[tuple[Button, ...], ...]:
        origin = ORIGIN + self.spec()
        if len(self.parts) == 1:
            entry = self.parts[0].entry
            row: list[Button] = []
            if self.parts[0].cut:
                row.append(Button("Full topic", _with_origin(TOPIC_PREFIX + entry.id, origin)))
            row.append(Button("Related topics", _with_origin(GROUP_PREFIX + entry.group, origin)))
            return (tuple(row),)
        rows = [(Button(f"Full topic: {p.entry.title}"[:60], _with_origin(TOPIC_PREFIX + p.entry.id, origin)),)
                for p in self.parts if p.cut]
        return tuple(rows)


def _with_origin(payload: str, origin: str) -> str:
    """``payload`` carrying the answer to return to, if that still fits in a button."""
    full = payload + origin
    return full if len(full.encode()) <= MAX_PAYLOAD else payload


def parse_spec(catalogue: Catalogue, spec: str) -> AnswerView | None:
    """The view a (possibly tampered) spec names, or None if it names nothing valid."""
    see_doctor = spec.startswith("!")
    spec = spec.removeprefix("!")
    pieces = spec.split(",")
    if not spec or len(pieces) > MAX_PARTS:
        return None
    parts = []
    for piece in pieces:
        entry_id, *numbers = piece.split(".")
        entry = catalogue.entries.get(entry_id) if ID_RE.match(entry_id) else None
        if entry is None or entry.is_tip or not all(whole_number(n) and len(n) <= 3 for n in numbers):
            return None
        lines = tuple(int(n) for n in numbers)
        count = len(entry.body.splitlines())
        if any(i >= count for i in lines) or list(lines) != sorted(set(lines)):
            return None
        parts.append(Part(entry, lines))
    return AnswerView(tuple(parts), see_doctor)
