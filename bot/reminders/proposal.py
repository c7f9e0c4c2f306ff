"""A reminder change proposed from plain words: what it says, its buttons, and the compact spec
its Confirm button carries (``w60.h0900-1700.d01234``), which ``decode`` reads back strictly:
anything ``encode`` could not have written is refused, and a stamp older than ``VALID_FOR`` is stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.core.replies import Button, Reply, rows
from bot.core.schedule import (
    DEFAULT_DAILY_AT,
    DEFAULT_INTERVAL,
    INTERVAL_CHOICES,
    InputError,
    describe_days,
    parse_duration,
    whole_number,
)
from bot.reminders.texts import KIND_LABELS

SET, STOP, RESUME, PAUSE, LIST, ASK = "set", "stop", "resume", "pause", "list", "ask"
VALID_FOR = timedelta(minutes=30)  # a Confirm button older than this is stale


@dataclass(frozen=True, slots=True)
class Setting:
    """One reminder switched on with its interval (minutes) or time, or switched off.
    Neither given: on, at the interval or time the user has now (``with_current`` fills it in)."""

    kind: str
    interval: int | None = None
    at: time | None = None
    on: bool = True


@dataclass(frozen=True, slots=True)
class Proposal:
    """What a message asks for. ``note`` is said first (what was adjusted, or the command for it);
    an ``ASK`` has a question in ``note`` and ``options`` to choose from, each confirmed alone."""

    action: str
    settings: tuple[Setting, ...] = ()
    hours: tuple[time, time] | None = None
    days: frozenset[int] | None = None
    pause: str | None = None  # as /pause takes it: "today", "tomorrow", "2h", "90m"
    note: str = ""
    options: tuple[Proposal, ...] = ()


def with_current(proposal: Proposal, current: dict[str, Setting]) -> Proposal:
    """Fill "on at the current setting" with the user's interval or time (the default if none)."""
    def filled(s: Setting) -> Setting:
        if not s.on or s.interval is not None or s.at is not None:
            return s
        now = current.get(s.kind)
        if s.kind == "daily":
            return Setting(s.kind, at=now.at if now and now.at else DEFAULT_DAILY_AT)
        return Setting(s.kind, now.interval if now and now.interval else DEFAULT_INTERVAL[s.kind])

    return Proposal(proposal.action, tuple(filled(s) for s in proposal.settings), proposal.hours, proposal.days,
                    proposal.pause, proposal.note,
                    tuple(with_current(o, current) for o in proposal.options))


# -- showing a proposal -----------------------------------------------------------------------
def describe(p: Proposal, until: str = "") -> str:
    """A proposal in plain words: "Water every 60 min, 09:00–17:00, Mon–Fri"."""
    if p.action == STOP:
        return "Turn off all reminders (your settings are kept; /resume brings them back)"
    if p.action == RESUME:
        return "Turn your reminders back on and end any pause"
    if p.action == PAUSE:
        named = {"today": "until tomorrow", "tomorrow": "for today and tomorrow"}
        shown = named[p.pause] if p.pause in named else f"for {_long(p.pause)}"
        return f"Pause all reminders {shown}" + (f" (until {until})" if until else "")
    hours = f"{p.hours[0]:%H:%M}–{p.hours[1]:%H:%M}" if p.hours is not None else ""
    days = describe_days(p.days).replace("-", "–") if p.days is not None else ""
    if not p.settings:
        shown = ", ".join(filter(None, [hours and f"active hours {hours}", days and f"active days {days}"]))
        return shown[:1].upper() + shown[1:]
    return ", ".join(filter(None, ["; ".join(_setting_text(s) for s in p.settings), hours, days]))


def _setting_text(s: Setting) -> str:
    if not s.on:
        return f"{KIND_LABELS[s.kind]} reminders off"
    if s.kind == "daily":
        return f"Daily tip at {s.at:%H:%M}" if s.at else "Daily tip on"
    return f"{KIND_LABELS[s.kind]} every {s.interval} min" if s.interval else f"{KIND_LABELS[s.kind]} on"


def remind_args(s: Setting) -> str:
    """The setting as /remind takes it: "water every 60m", "daily at 08:30", "posture off"."""
    if not s.on:
        return f"{s.kind} off"
    if s.kind == "daily":
        return f"daily at {s.at or DEFAULT_DAILY_AT:%H:%M}"
    return f"{s.kind} every {s.interval or DEFAULT_INTERVAL[s.kind]}m"


def _long(arg: str | None) -> str:
    amount, unit = int((arg or "0")[:-1]), (arg or "m")[-1]
    name = {"m": "minute", "h": "hour", "d": "day"}[unit]
    return f"{amount} {name}{'s' if amount != 1 else ''}"


def proposal_reply(p: Proposal, made: str, until: str = "") -> Reply:
    """The proposal in plain words with ✅ Confirm and Cancel, or the question with one button per option."""
    cancel = Button("Cancel", f"r:no:{made}")
    if p.action == ASK:
        if not p.options:
            return Reply(text=p.note)
        buttons = [Button(describe(o), f"r:ok:{encode(o)}:{made}") for o in p.options]
        return Reply(text=p.note, buttons=(*rows(buttons, per_row=1), (cancel,)))
    lines = [p.note] if p.note else []
    lines.append(f"{describe(p, until)}.")
    if p.hours is not None or p.days is not None:
        lines.append("Active hours are for posture, water and stretch reminders; active days for all of them.")
    lines.append("Press Confirm to save this. Nothing changes until then.")
    return Reply(text="\n\n".join(lines), buttons=((Button("✅ Confirm", f"r:ok:{encode(p)}:{made}"), cancel),))


# -- the Confirm button ---------------------------------------------------------------------
KIND_CODES = {"posture": "p", "water": "w", "stretch": "s", "daily": "t"}
_CODE_KINDS = {v: k for k, v in KIND_CODES.items()}
_SPEC = re.compile(r"^(?:x|r|z(?:T|M|[1-9]\d{0,3}[mhd])|[pwst](?:-|\d{1,4})(?:\.[pwst](?:-|\d{1,4}))*"
                   r"(?:\.h\d{4}-\d{4})?(?:\.d[0-6]{1,7})?|h\d{4}-\d{4}(?:\.d[0-6]{1,7})?|d[0-6]{1,7})$")


def encode(p: Proposal) -> str:
    """The compact spec of a proposal with concrete values (``with_current`` first)."""
    if p.action == STOP:
        return "x"
    if p.action == RESUME:
        return "r"
    if p.action == PAUSE:
        return "z" + {"today": "T", "tomorrow": "M"}.get(p.pause or "", p.pause or "")
    tokens_ = []
    for s in p.settings:
        value = "-" if not s.on else f"{s.at:%H%M}" if s.at else str(s.interval)
        tokens_.append(KIND_CODES[s.kind] + value)
    if p.hours is not None:
        tokens_.append(f"h{p.hours[0]:%H%M}-{p.hours[1]:%H%M}")
    if p.days is not None:
        tokens_.append("d" + "".join(str(d) for d in sorted(p.days)))
    return ".".join(tokens_)


def decode(spec: str) -> Proposal | None:
    """A spec back to its proposal, or None if ``encode`` could not have written it."""
    if len(spec) > 40 or not _SPEC.match(spec):
        return None
    try:
        proposal = _decode(spec)
    except (ValueError, KeyError, InputError):
        return None
    return proposal if proposal is not None and encode(proposal) == spec else None


def _decode(spec: str) -> Proposal | None:
    if spec in ("x", "r"):
        return Proposal(STOP if spec == "x" else RESUME)
    if spec[0] == "z":
        arg = {"T": "today", "M": "tomorrow"}.get(spec[1:], spec[1:])
        if arg not in ("today", "tomorrow"):
            parse_duration(arg)
        return Proposal(PAUSE, pause=arg)
    settings: list[Setting] = []
    hours = days = None
    for part in spec.split("."):
        code, value = part[0], part[1:]
        if code == "h":
            hours = (_hhmm(value[:4]), _hhmm(value[5:]))
            if hours[0] == hours[1]:
                return None
        elif code == "d":
            days = frozenset(int(c) for c in value)
        else:
            kind = _CODE_KINDS[code]
            if kind in {s.kind for s in settings}:
                return None
            if value == "-":
                settings.append(Setting(kind, on=False))
            elif kind == "daily":
                settings.append(Setting(kind, at=_hhmm(value)))
            elif int(value) in INTERVAL_CHOICES[kind]:
                settings.append(Setting(kind, int(value)))
            else:
                return None
    return Proposal(SET, tuple(settings), hours, days)


def _hhmm(value: str) -> time:
    if len(value) != 4 or not whole_number(value):
        raise ValueError(value)
    return time(int(value[:2]), int(value[2:]))  # raises ValueError past 23:59


def stamp(now: datetime) -> str:
    """When a proposal was made, in minutes since the epoch, base 36 (5 characters)."""
    value, digits = int(now.timestamp() // 60), ""
    while value:
        value, rest = divmod(value, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits or "0"


def issued(text: str) -> datetime | None:
    if not 1 <= len(text) <= 7 or not text.isalnum() or not text.isascii() or text != text.lower():
        return None
    return datetime.fromtimestamp(int(text, 36) * 60, UTC)


def fresh(text: str, now: datetime) -> bool:
    """A stamp from the last half hour (a minute ahead is allowed for a clock that differs)."""
    when = issued(text)
    return when is not None and now - VALID_FOR <= when <= now + timedelta(minutes=1)
