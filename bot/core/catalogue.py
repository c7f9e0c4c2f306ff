"""The content catalogue: every YAML file in ``content/`` parsed once into frozen objects.

A broken file stops the bot at start with a message naming the file, the entry and the
problem, so that a content mistake can never surface as a half-rendered chat reply.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.triage import REASON_ENTRIES

TELEGRAM_MAX_CHARS = 4096
DISCORD_TITLE_CHARS, DISCORD_DESCRIPTION_CHARS = 256, 4096
TIP_KINDS = ("posture", "water", "stretch", "daily")
COMMAND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")  # ids travel inside button payloads

_ENTRY_FIELDS = {"id", "title", "commands", "section", "keywords", "questions", "body", "kind"}
_FILE_FIELDS = {"group", "entries"}
_GROUP_FIELDS = {"id", "title"}
_ABOUT_FIELDS = {"source", "disclaimer", "welcome", "about"}
_SOURCE_FIELDS = {"title", "credit"}
_SAFETY_FIELDS = {"label", "crisis", "urgent", "see_doctor", "notes"}
_MESSAGE_FIELDS = {"title", "body"}
_NOTE_FIELDS = {"id", "attach", "reminder", "body"}
SAFETY_FILE = "safety.yaml"
SPECIAL_FILES = {"about.yaml", SAFETY_FILE}
# The emergency signs the triage layer tells apart (and the classifier's "unspecified");
# safety.yaml needs a line for each.
URGENT_REASONS = tuple(REASON_ENTRIES)


class CatalogueError(ValueError):
    """A content file is broken; the message names the file, the entry and the problem."""

    def __init__(self, path: Path | str, problem: str, entry: str | None = None) -> None:
        where = f"{path}" + (f", entry {entry!r}" if entry else "")
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    body: str
    section: str
    group: str
    commands: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    kind: str | None = None
    questions: tuple[str, ...] = ()  # what people ask, in their own words: search uses them

    @property
    def is_tip(self) -> bool:
        return self.kind is not None


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    title: str
    entry_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class About:
    source_title: str
    credit: str
    disclaimer: str
    welcome: str
    about: str


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Note:
    """One of Unknot's own safety notes, shown under the entries it is attached to."""

    id: str
    body: str
    attach: tuple[str, ...] = ()
    reminder: str | None = None


@dataclass(frozen=True, slots=True)
class Safety:
    """Unknot's own safety text (``content/safety.yaml``): never presented as the article's."""

    label: str
    crisis: Message
    urgent: Message
    reasons: Mapping[str, str]
    see_doctor: Message
    notes: tuple[Note, ...]

    def marked(self, body: str) -> str:
        """A safety text as every reply shows it: under Unknot's own label."""
        return f"🛡 {self.label}:\n{body}"

    def appended(self, text: str, notes: Sequence[Note]) -> str:
        """``text`` followed by ``notes``, one bullet each, under Unknot's label."""
        if not notes:
            return text
        return f"{text}\n\n" + self.marked("\n".join(f"• {n.body}" for n in notes))


@dataclass(frozen=True)
class Catalogue:
    about: About
    groups: tuple[Group, ...]
    entries: Mapping[str, Entry]
    by_command: Mapping[str, Entry] = field(repr=False)
    safety: Safety = field(repr=False)

    def notes_for(self, entry_id: str) -> list[Note]:
        return [n for n in self.safety.notes if entry_id in n.attach]

    def reminder_notes(self, kind: str) -> list[Note]:
        return [n for n in self.safety.notes if n.reminder == kind]

    def with_notes(self, entry_id: str, text: str, once: Sequence[Note] = ()) -> str:
        """``text`` followed by the safety notes attached to the entry (and ``once``: notes sent a
        single time, such as the first water reminder's), marked as Unknot's."""
        return self.safety.appended(text, [*self.notes_for(entry_id), *once])

    def topics(self) -> list[Entry]:
        return [e for e in self.entries.values() if not e.is_tip]

    def tips(self, kind: str | None = None) -> list[Entry]:
        return [e for e in self.entries.values() if e.is_tip and (kind is None or e.kind == kind)]

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def topic_groups(self) -> list[Group]:
        """Groups that hold at least one topic (tips are reached through /tip)."""
        return [g for g in self.groups if any(not self.entries[i].is_tip for i in g.entry_ids)]


def rendered_length(entry: Entry) -> int:
    """Length of the entry as the Telegram adapter sends it: bold title, blank line, body."""
    return len(f"<b>{html.escape(entry.title)}</b>\n\n{html.escape(entry.body)}")


def platform_problems(entry: Entry) -> list[str]:
    """Where the entry would not fit on a platform: Telegram's 4,096 characters of rendered
    HTML; a Discord embed's 256-character title and 4,096-character description."""
    problems = []
    if rendered_length(entry) > TELEGRAM_MAX_CHARS:
        problems.append(f"body is {rendered_length(entry)} characters once rendered, over Telegram's "
                        f"{TELEGRAM_MAX_CHARS}")
    if len(entry.title) > DISCORD_TITLE_CHARS:
        problems.append(f"title is {len(entry.title)} characters, over a Discord embed title's {DISCORD_TITLE_CHARS}")
    if len(entry.body) > DISCORD_DESCRIPTION_CHARS:
        problems.append(f"body is {len(entry.body)} characters, over a Discord embed's {DISCORD_DESCRIPTION_CHARS}")
    return problems


def _text(value: Any, path: Path, entry: str | None, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(path, f"field {name!r} must be a non-empty text", entry)
    return value.strip()


def _str_list(value: Any, path: Path, entry: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogueError(path, f"field {name!r} must be a list of texts", entry)
    return tuple(v.strip() for v in value)


def _unknown(data: Mapping[str, Any], allowed: set[str], path: Path, entry: str | None) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise CatalogueError(path, f"unknown field {extra[0]!r}", entry)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(path, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogueError(path, "expected a mapping at the top level")
    return data


def _parse_about(path: Path) -> About:
    data = _load_yaml(path)
    _unknown(data, _ABOUT_FIELDS, path, None)
    source = data.get("source")
    if not isinstance(source, dict):
        raise CatalogueError(path, "field 'source' must be a mapping with title and credit")
    _unknown(source, _SOURCE_FIELDS, path, None)
    return About(
        source_title=_text(source.get("title"), path, None, "source.title"),
        credit=_text(source.get("credit"), path, None, "source.credit"),
        disclaimer=_text(data.get("disclaimer"), path, None, "disclaimer"),
        welcome=_text(data.get("welcome"), path, None, "welcome"),
        about=_text(data.get("about"), path, None, "about"),
    )


def _message(value: Any, path: Path, name: str) -> Message:
    if not isinstance(value, dict):
        raise CatalogueError(path, f"field {name!r} must be a mapping with title and body")
    _unknown({k: v for k, v in value.items() if k != "reasons"}, _MESSAGE_FIELDS, path, name)
    return Message(title=_text(value.get("title"), path, name, "title"),
                   body=_text(value.get("body"), path, name, "body"))


def _parse_safety(path: Path, entries: Mapping[str, Entry]) -> Safety:
    if not path.is_file():
        raise CatalogueError(path, "missing: Unknot's own safety text (crisis, urgent, notes) lives here")
    data = _load_yaml(path)
    _unknown(data, _SAFETY_FIELDS, path, None)
    urgent_raw = data.get("urgent")
    urgent = _message(urgent_raw, path, "urgent")
    reasons_raw = urgent_raw.get("reasons") if isinstance(urgent_raw, dict) else None
    if not isinstance(reasons_raw, dict):
        raise CatalogueError(path, "field 'reasons' must map each emergency sign to a line", "urgent")
    _unknown(reasons_raw, set(URGENT_REASONS), path, "urgent")
    reasons = {}
    for reason in URGENT_REASONS:
        if reason not in reasons_raw:
            raise CatalogueError(path, f"no line for the emergency sign {reason!r}", "urgent")
        reasons[reason] = _text(reasons_raw[reason], path, "urgent", reason)
    notes_raw = data.get("notes")
    if not isinstance(notes_raw, list):
        raise CatalogueError(path, "field 'notes' must be a list")
    notes: list[Note] = []
    for index, raw in enumerate(notes_raw):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise CatalogueError(path, f"note #{index + 1} needs an id")
        note_id = raw["id"]
        _unknown(raw, _NOTE_FIELDS, path, note_id)
        if any(n.id == note_id for n in notes):
            raise CatalogueError(path, "duplicate id", note_id)
        attach = _str_list(raw.get("attach"), path, note_id, "attach")
        for target in attach:
            if target not in entries:
                raise CatalogueError(path, f"attached to unknown entry {target!r}", note_id)
        reminder = raw.get("reminder")
        if reminder is not None and reminder not in TIP_KINDS:
            raise CatalogueError(path, f"reminder must be one of {', '.join(TIP_KINDS)}", note_id)
        if not attach and reminder is None:
            raise CatalogueError(path, "a note needs 'attach' or 'reminder'", note_id)
        notes.append(Note(note_id, _text(raw.get("body"), path, note_id, "body"), attach, reminder))
    return Safety(label=_text(data.get("label"), path, None, "label"), crisis=_message(data.get("crisis"), path,
                  "crisis"), urgent=urgent, reasons=reasons,
                  see_doctor=_message(data.get("see_doctor"), path, "see_doctor"), notes=tuple(notes))


def _parse_entry(raw: Any, index: int, path: Path, group_id: str) -> Entry:
    if not isinstance(raw, dict):
        raise CatalogueError(path, f"entry #{index + 1} is not a mapping")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry_id):
        raise CatalogueError(path, f"entry #{index + 1} needs an id of lower-case letters, digits and dashes")
    _unknown(raw, _ENTRY_FIELDS, path, entry_id)
    kind = raw.get("kind")
    if kind is not None and kind not in TIP_KINDS:
        raise CatalogueError(path, f"kind must be one of {', '.join(TIP_KINDS)}", entry_id)
    commands = _str_list(raw.get("commands"), path, entry_id, "commands")
    for command in commands:
        if not COMMAND_RE.match(command):
            raise CatalogueError(path, f"command {command!r} is not a valid Telegram command", entry_id)
    if kind is None and not commands:
        raise CatalogueError(path, "a topic needs at least one command", entry_id)
    entry = Entry(
        id=entry_id,
        title=_text(raw.get("title"), path, entry_id, "title"),
        body=_text(raw.get("body"), path, entry_id, "body"),
        section=_text(raw.get("section"), path, entry_id, "section"),
        group=group_id,
        commands=commands,
        keywords=_str_list(raw.get("keywords"), path, entry_id, "keywords"),
        kind=kind,
        questions=_str_list(raw.get("questions"), path, entry_id, "questions"),
    )
    problems = platform_problems(entry)
    if problems:
        raise CatalogueError(path, "; ".join(problems), entry_id)
    return entry


def load_catalogue(directory: Path | str, reserved_commands: Iterable[str] = ()) -> Catalogue:
    """Load and validate every content file in ``directory``.

    ``reserved_commands`` are commands the bot itself owns (``/start``, ``/help``…); a
    content entry may not claim them.
    """
    directory = Path(directory)
    about_path = directory / "about.yaml"
    if not about_path.is_file():
        raise CatalogueError(about_path, "missing: the disclaimer and credit live here")
    about = _parse_about(about_path)
    reserved = set(reserved_commands)
    entries: dict[str, Entry] = {}
    by_command: dict[str, Entry] = {}
    groups: list[Group] = []
    files = sorted(p for p in directory.glob("*.yaml") if p.name not in SPECIAL_FILES)
    if not files:
        raise CatalogueError(directory, "no content files found")
    for path in files:
        data = _load_yaml(path)
        _unknown(data, _FILE_FIELDS, path, None)
        group_raw = data.get("group")
        if not isinstance(group_raw, dict):
            raise CatalogueError(path, "field 'group' must be a mapping with id and title")
        _unknown(group_raw, _GROUP_FIELDS, path, None)
        group_id = _text(group_raw.get("id"), path, None, "group.id")
        if any(g.id == group_id for g in groups):
            raise CatalogueError(path, f"duplicate group id {group_id!r}")
        raw_entries = data.get("entries")
        if not isinstance(raw_entries, list) or not raw_entries:
            raise CatalogueError(path, "field 'entries' must be a non-empty list")
        ids: list[str] = []
        for index, raw in enumerate(raw_entries):
            entry = _parse_entry(raw, index, path, group_id)
            if entry.id in entries:
                raise CatalogueError(path, "duplicate id", entry.id)
            if not ID_RE.match(entry.id):
                raise CatalogueError(path, "id must be 1 to 40 lower-case letters, digits and dashes", entry.id)
            for command in entry.commands:
                if command in reserved:
                    raise CatalogueError(path, f"command /{command} is reserved by the bot", entry.id)
                if command in by_command:
                    other = by_command[command].id
                    raise CatalogueError(path, f"duplicate command /{command} (also on {other!r})", entry.id)
                by_command[command] = entry
            entries[entry.id] = entry
            ids.append(entry.id)
        groups.append(Group(group_id, _text(group_raw.get("title"), path, None, "group.title"), tuple(ids)))
    safety = _parse_safety(directory / SAFETY_FILE, entries)
    return Catalogue(about=about, groups=tuple(groups), entries=entries, by_command=by_command, safety=safety)


def default_content_dir() -> Path:
    """``content/`` next to the ``bot`` package (source checkout) or installed beside it."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "content", here / "content"):
        if (candidate / "about.yaml").is_file():
            return candidate
    return here.parent / "content"
