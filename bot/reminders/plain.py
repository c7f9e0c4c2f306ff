"""Reminder requests in plain words: "remind me to drink water every hour from 9 to 5 on weekdays".

Pure functions: a message becomes a ``Proposal`` (what would change, nothing applied yet) or
None when it is not about reminders, so the answer engine keeps it. A message that does not
say "remind"/"reminder" is taken only when every word is reminder vocabulary and it is not a
question: "stretch every 90 minutes" is a request, "how long should I stretch" is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache

from bot.core.schedule import ALL_DAYS, DAY_NAMES, INTERVAL_CHOICES
from bot.core.textnorm import Corrector, common_english, fold
from bot.reminders.proposal import ASK, LIST, PAUSE, RESUME, SET, STOP, Proposal, Setting
from bot.reminders.texts import KIND_LABELS

MAX_CHARS = 300  # a longer message is a story or a question for the answer engine
KIND_WORDS = {"posture": "posture", "break": "posture", "breaks": "posture", "stand": "posture", "sit": "posture",
              "slouch": "posture", "slouching": "posture", "water": "water", "drink": "water", "drinking": "water",
              "hydrate": "water", "hydration": "water", "glass": "water", "stretch": "stretch",
              "stretches": "stretch", "stretching": "stretch", "tip": "daily", "tips": "daily"}
REMIND_WORDS = frozenset({"remind", "reminder", "reminders", "reminding", "notifications"})
UNIT_MINUTES = {"s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
                "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hr": 60, "hrs": 60,
                "hour": 60, "hours": 60, "d": 1440, "day": 1440, "days": 1440,
                "week": 10080, "weeks": 10080}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10,
                "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "ninety": 90}
DAY_WORDS = {name: i for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday",
                                                "saturday", "sunday"))
             for name in (full, full + "s", DAY_NAMES[i], DAY_NAMES[i] + "s")}
DAY_WORDS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
DAY_SETS = {"weekdays": frozenset(range(5)), "weekday": frozenset(range(5)), "workdays": frozenset(range(5)),
            "weekends": frozenset({5, 6}), "weekend": frozenset({5, 6}), "everyday": ALL_DAYS}
STOP_VERBS = frozenset({"stop", "disable", "cancel", "mute", "off", "dont", "quit"})
RESUME_VERBS = frozenset({"resume", "unpause", "restart"})
ON_WORDS = frozenset({"on", "start", "enable"})
LIST_WORDS = frozenset({"what", "which", "show", "list", "view", "see", "check", "when"})
QUESTION_STARTS = frozenset({"how", "what", "why", "when", "where", "which", "who", "should", "does", "do", "is",
                             "are", "was", "will", "would", "shall", "am", "did", "has", "have"})
# Everything a reminder request without "remind" may say; any other word sends it to the answer engine.
GRAMMAR_WORDS = frozenset("""
    every each hourly at from to till until til between and or on for the a an me my i please pls plz
    all of in this rest today tonight tomorrow midnight noon am pm set up turn switch take get have want
    like would can could you send some more no any anymore now them it everything be daily reminders alerts
    pause resume stop disable cancel mute off start enable unpause restart half except not thru through
    """.split())
VOCABULARY = frozenset(GRAMMAR_WORDS | set(KIND_WORDS) | REMIND_WORDS | set(UNIT_MINUTES) | set(NUMBER_WORDS)
                       | set(DAY_WORDS) | set(DAY_SETS) | STOP_VERBS | RESUME_VERBS | LIST_WORDS
                       | {"day", "week", "reminder", "posture", "remind"})

WHAT_AND_HOW_OFTEN = ("What should I remind you about, and how often? For example: \"remind me to drink water every "
                      "hour\", \"stretch reminders every 90 minutes\" or \"daily tip at 8:30\". /remind opens the "
                      "settings panel.")

ONLY_THESE = "I can remind you about posture breaks, water, stretching and the daily tip."

_TOKEN = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])\.?m\b\.?|(\d{1,2})[:.h](\d{2})\b|(\d+(?:[.,]\d+)?)"
                    r"|([a-z]+)|(-|\?)")


@dataclass(frozen=True, slots=True)
class Clock:
    """A time as written: ``hour`` may be out of range ("25:00"); ``meridiem`` is "a", "p" or ""."""

    hour: int
    minute: int
    meridiem: str = ""

    def valid(self) -> time | None:
        hour = self.hour
        if self.meridiem:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if self.meridiem == "p" else 0)
        if hour > 23 or self.minute > 59:
            return None
        return time(hour, self.minute)

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}" + (f" {self.meridiem}m" if self.meridiem else "")


Token = str | float | Clock  # a word, a number, or a clock time

# -- reading a message ----------------------------------------------------------------------
@lru_cache(maxsize=1)
def _corrector() -> Corrector:
    return Corrector(VOCABULARY, protected=common_english())


def tokens(text: str) -> list[Token]:
    """Words (misspellings of reminder vocabulary corrected), numbers and clock times."""
    found: list[Token] = []
    corrector = _corrector()
    for m in _TOKEN.finditer(fold(text)):
        if m.group(1):
            found.append(Clock(int(m.group(1)), int(m.group(2) or 0), m.group(3)))
        elif m.group(4):
            found.append(Clock(int(m.group(4)), int(m.group(5))))
        elif m.group(6):
            found.append(float(m.group(6).replace(",", ".")))
        elif m.group(7):
            found.append(corrector.correct(m.group(7)))
        elif m.group(8):
            found.append(m.group(8))
    return found


@dataclass
class _Reading:
    """What the scan found; ``used`` marks tokens explained by a construct."""

    kinds: list[str] = field(default_factory=list)
    every: float | None = None  # minutes, as written
    every_text: str = ""
    at: Clock | None = None
    hours: tuple[Clock, Clock] | None = None
    days: set[int] = field(default_factory=set)
    pause: str | None = None  # "today", "tomorrow", minutes as text, or "?" for a pause we can't read
    pause_minutes: float | None = None
    used: set[int] = field(default_factory=set)


def _amount(tok: Token) -> float | None:
    if isinstance(tok, float):
        return tok
    if isinstance(tok, str):
        return NUMBER_WORDS.get(tok)
    return None


def _clock(tok: Token) -> Clock | None:
    """A clock time ("8:30", "5pm"; the tokenizer joins "9 am") or a bare hour ("9")."""
    if isinstance(tok, Clock):
        return tok
    if isinstance(tok, float) and tok.is_integer() and tok < 100:
        return Clock(int(tok), 0)
    return None


def _duration(toks: list[Token], i: int) -> tuple[float, int, str] | None:
    """``[number] unit`` at i: (minutes, tokens used, as written). "half an hour", "an hour", "90 min"."""
    tok = toks[i]
    if tok == "half" and toks[i + 1:i + 2] == ["hour"]:
        return 30.0, 2, "half hour"
    if tok == "half" and toks[i + 1:i + 3] in (["an", "hour"], ["a", "hour"]):
        return 30.0, 3, "half an hour"
    if isinstance(tok, str) and tok in UNIT_MINUTES and tok not in ("m", "s", "h", "d"):
        return float(UNIT_MINUTES[tok]), 1, tok
    amount = _amount(tok)
    if amount is None or i + 1 >= len(toks) or not isinstance(toks[i + 1], str):
        return None
    unit = str(toks[i + 1])
    if unit not in UNIT_MINUTES:
        return None
    shown = f"{amount:g} {unit}" if isinstance(tok, float) else f"{tok} {unit}"
    return amount * UNIT_MINUTES[unit], 2, shown


def _scan(toks: list[Token]) -> _Reading:
    r = _Reading()
    words = {t for t in toks if isinstance(t, str)}
    tip = bool(words & {"tip", "tips"})
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if isinstance(tok, str) and tok in KIND_WORDS:
            r.kinds.append(KIND_WORDS[tok])
            r.used.add(i)
        elif tok in ("every", "each") and nxt is not None:
            if nxt in ("day", "weekday", "weekdays"):
                r.days |= ALL_DAYS if nxt == "day" else set(range(5))
                r.used |= {i, i + 1}
            elif (found := _duration(toks, i + 1)) is not None:
                r.every, r.every_text = found[0], f"every {found[2]}"
                r.used |= set(range(i, i + 1 + found[1]))
        elif tok == "hourly":
            r.every, r.every_text = 60.0, "hourly"
            r.used.add(i)
        elif tok == "daily" and not tip:
            r.days |= ALL_DAYS
            r.used.add(i)
        elif tok == "at" and nxt is not None and (clock := _clock(nxt)):
            r.at = clock
            r.used |= {i, i + 1}
        elif tok == "at" and nxt in ("noon", "midnight"):
            r.at = Clock(12 if nxt == "noon" else 0, 0)
            r.used |= {i, i + 1}
        elif (span := _hours_at(toks, i)) is not None:
            r.hours, width = span
            r.used |= set(range(i, i + width))
            i += width
            continue
        elif isinstance(tok, str) and (tok in DAY_WORDS or tok in DAY_SETS):
            if tok in DAY_SETS:
                r.days |= DAY_SETS[tok]
            elif nxt in ("-", "to", "through", "thru", "till", "until") and i + 2 < len(toks) \
                    and isinstance(toks[i + 2], str) and toks[i + 2] in DAY_WORDS:
                a, b = DAY_WORDS[tok], DAY_WORDS[str(toks[i + 2])]
                r.days |= set(range(a, b + 1)) if a <= b else {*range(a, 7), *range(0, b + 1)}
                r.used |= {i + 1, i + 2}
                i += 2
            else:
                r.days.add(DAY_WORDS[tok])
            r.used.add(i)
        elif tok in ("for", "until", "till", "til", "pause") and nxt is not None:
            _pause_span(toks, i, r)
        elif isinstance(tok, float) and i > 0 and toks[i - 1] == "me" and isinstance(nxt, str):
            r.used.add(i)  # "remind me 2 drink water": the number stands for "to"
        i += 1
    return r


def _pause_span(toks: list[Token], i: int, r: _Reading) -> None:
    nxt = toks[i + 1]
    if toks[i] == "pause":  # "pause 2 hours", "pause today"
        if nxt in ("today", "tomorrow") or _duration(toks, i + 1) is not None:
            _pause_span([*toks[:i], "for", *toks[i + 1:]], i, r)
        return
    rest = [t for t in toks[i + 1:i + 6] if t not in ("the", "a", "of", "this")]
    if toks[i] == "for":
        if nxt in ("today", "tonight") or rest[:2] == ["rest", "day"] or rest[:1] == ["day"]:
            r.pause = "today"
        elif nxt == "tomorrow":
            r.pause = "tomorrow"
        elif (found := _duration(toks, i + 1)) is not None:
            r.pause, r.pause_minutes = found[2], found[0]
            r.used |= set(range(i, i + 1 + found[1]))
            return
        else:
            return
    elif nxt in ("tomorrow", "tonight", "midnight"):  # "until tomorrow": back on tomorrow morning
        r.pause = "today"
    else:
        r.pause = r.pause or "?"
    r.used |= {i, i + 1}


def _hours_at(toks: list[Token], i: int) -> tuple[tuple[Clock, Clock], int] | None:
    """"from 9 to 5", "between 9am and 5pm", "9-17", "09:00 to 17:00": (start, end), tokens used."""
    lead = 1 if toks[i] in ("from", "between") else 0
    j = i + lead
    if j >= len(toks):
        return None
    first = _clock(toks[j])
    if first is None:
        return None
    k = j + 1
    if k + 1 >= len(toks) or toks[k] not in ("-", "to", "till", "until", "and"):
        return None
    if not lead and toks[k] != "-" and not (isinstance(toks[j], Clock) or first.meridiem):
        return None  # "2 to 3 times": only "from", "between", a dash or a written time make a range
    second = _clock(toks[k + 1])
    if second is None:
        return None
    start, end = first.valid(), second.valid()
    if start is not None and end is not None and not second.meridiem and not isinstance(toks[k + 1], Clock) \
            and end.hour < 12 and ((end <= start and start.hour < 12) or first.meridiem == "p"):
        second = Clock(second.hour + 12, second.minute)  # "from 9 to 5" is a working day
    return (first, second), k + 2 - i


def understand(text: str) -> Proposal | None:
    """A reminder request in plain words → what would change, or None if it is not one."""
    if len(text) > MAX_CHARS:
        return None
    toks = tokens(text)
    words = [t for t in toks if isinstance(t, str) and t.isalpha()]
    if not words:
        return None
    vocab = set(words)
    remind = bool(vocab & REMIND_WORDS)
    polite = remind and words[:2] in (["can", "you"], ["could", "you"], ["would", "you"], ["will", "you"])
    question = not polite and (words[0] in QUESTION_STARTS or "?" in toks)
    if not remind and (question or not vocab <= VOCABULARY):
        return None
    r = _scan(toks)
    kinds = tuple(dict.fromkeys(r.kinds))
    stop = bool(vocab & STOP_VERBS) or "no more" in " ".join(words)
    if r.days and vocab & {"dont", "not", "except", "no", "never"}:  # "don't remind me on weekends"
        r.days, stop = set(ALL_DAYS) - r.days, False
        if not r.days:
            return Proposal(STOP)
    setting_given = r.every is not None or r.at is not None or r.hours is not None or bool(r.days)
    if remind and question and vocab & {"stop", "off", "disable", "cancel", "mute"}:
        return _off(kinds, "To turn reminders off yourself, send /stop (your settings are kept and /resume brings "
                           "them back), or /remind to switch single ones off. Or I can do it now:")
    if remind and question and "pause" in vocab and r.pause is None:
        return _ask_pause("Send /pause 2h, /pause today or /pause tomorrow, or pick one here.")
    if remind and vocab & LIST_WORDS and not setting_given and not stop and "pause" not in vocab:
        return Proposal(LIST) if question or vocab & {"show", "list", "view", "see", "check"} else None
    if remind and vocab <= {"my", "reminders", "reminder", "all", "current", "the", "me", "please"}:
        return Proposal(LIST)  # "my reminders"
    if "pause" in vocab or (r.pause is not None and remind and not kinds and not setting_given):
        return _pause(r)
    if stop and not setting_given:
        if kinds and not remind and not vocab & {"off", "disable", "mute"}:
            return None  # "stop sitting all day" is advice wanted, not a setting
        return _off(kinds)
    turn_on = bool(vocab & ON_WORDS) and bool(vocab & {"turn", "switch"} or remind)
    if (vocab & RESUME_VERBS or turn_on) and not setting_given and not kinds:
        return Proposal(RESUME)
    if turn_on and kinds and not setting_given:
        return Proposal(SET, tuple(Setting(k) for k in kinds))
    if question and not setting_given:
        return None  # "do reminders to stretch help?" is a question for the answer engine
    if not setting_given and not remind:
        return None  # "stretch" alone is a topic, not a request
    if not kinds and not remind and r.every is None and r.at is None:
        return None  # "weekdays from 9 to 5" alone is not a request
    proposal = _settings(kinds, r) if kinds or setting_given else Proposal(ASK, note=WHAT_AND_HOW_OFTEN)
    unread = [str(t) if isinstance(t, Clock) else f"{t:g}" for i, t in enumerate(toks)
              if isinstance(t, float | Clock) and i not in r.used]
    if unread and proposal.action == SET:
        return Proposal(ASK, note=f"I didn't follow the {' '.join(unread)[:20]!r} part. This is what I understood:",
                        options=(proposal,))
    if not kinds and vocab - VOCABULARY:  # "remind me to call mum at 5": not a reminder of ours
        options = proposal.options or ((proposal,) if proposal.action == SET else ())
        return Proposal(ASK, note=f"{ONLY_THESE} {proposal.note}", options=options)
    return proposal


def _off(kinds: tuple[str, ...], note: str = "") -> Proposal:
    if kinds:
        return Proposal(SET, tuple(Setting(k, on=False) for k in kinds), note=note)
    return Proposal(STOP, note=note)


def _ask_pause(note: str) -> Proposal:
    return Proposal(ASK, note=note, options=(Proposal(PAUSE, pause="1h"), Proposal(PAUSE, pause="today"),
                                             Proposal(PAUSE, pause="tomorrow")))


def _pause(r: _Reading) -> Proposal:
    if r.pause is None:
        return _ask_pause("For how long? Say for example \"pause for 2 hours\" or \"pause until tomorrow\", "
                          "or pick one here.")
    if r.pause == "?":
        return _ask_pause("I can pause for some minutes, hours or days (30 at most), until tomorrow, or for today "
                          "and tomorrow. Which one?")
    if r.pause in ("today", "tomorrow"):
        return Proposal(PAUSE, pause=r.pause)
    minutes = r.pause_minutes or 0
    if minutes < 1:
        return _ask_pause(f"I can't pause for {r.pause}: a minute is the shortest pause. How long should it be?")
    if minutes > 30 * 1440:
        return Proposal(PAUSE, pause="30d", note=f"{r.pause.capitalize()} is longer than I pause for; 30 days is the "
                                                 "most (/stop turns reminders off until you /resume).")
    whole = round(minutes)
    return Proposal(PAUSE, pause=_duration_arg(whole if whole < 10_000 else round(whole / 60) * 60))


def _duration_arg(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def nearest_interval(kind: str, minutes: float) -> int:
    return min(INTERVAL_CHOICES[kind], key=lambda c: (abs(c - minutes), -c))


def _settings(kinds: tuple[str, ...], r: _Reading) -> Proposal:
    notes: list[str] = []
    hours: tuple[time, time] | None = None
    if r.hours is not None:
        start, end = r.hours[0].valid(), r.hours[1].valid()
        if start is None or end is None or start == end:
            return Proposal(ASK, note=f"I can't read {r.hours[0]}–{r.hours[1]} as active hours. Send them like "
                                      "\"from 9 to 17\" or /hours 09:00-17:00.")
        hours = (start, end)
    days = frozenset(r.days) if r.days else None
    if not kinds:
        if r.at is not None:
            kinds = ("daily",)
            notes.append("The daily tip is the reminder that comes at a set time.")
        elif r.every is not None:
            options = tuple(Proposal(SET, (Setting(k, nearest_interval(k, r.every)),), hours, days)
                            for k in INTERVAL_CHOICES)
            exact = any(r.every in choices for choices in INTERVAL_CHOICES.values())
            question = f"Which reminder should come {r.every_text}?" if exact else \
                f"I can't remind you {r.every_text}; here is the nearest I offer for each reminder. Which one?"
            return Proposal(ASK, note=question, options=options)
    settings: list[Setting] = []
    for kind in kinds:
        if kind == "daily":
            if r.at is None:
                settings.append(Setting(kind))
                continue
            at = r.at.valid()
            if at is None:
                return Proposal(ASK, note=f"{r.at} isn't a time of day (hours go 00 to 23, minutes 00 to 59). "
                                          "When should the daily tip come? For example \"daily tip at 8:30\".")
            settings.append(Setting(kind, at=at))
        elif r.every is not None:
            minutes = nearest_interval(kind, r.every)
            if minutes != r.every:
                *most, last = INTERVAL_CHOICES[kind]
                choices = f"{', '.join(str(c) for c in most)} or {last}"
                notes.append(f"I remind about {KIND_LABELS[kind].lower()} every {choices} minutes, so "
                             f"{r.every_text} isn't possible; the nearest is every {minutes} min.")
            settings.append(Setting(kind, minutes))
        else:
            if r.at is not None:
                bad = "" if r.at.valid() else f"{r.at} isn't a time of day, and "
                label = KIND_LABELS[kind].lower() if bad else KIND_LABELS[kind]
                notes.append(f"{bad}{label} reminders come every so many minutes inside your active "
                             "hours, not at one time of day.")
            settings.append(Setting(kind))
    return Proposal(SET, tuple(settings), hours, days, note=" ".join(dict.fromkeys(notes)))

