"""When is a reminder next due? Pure functions of (rule, time zone, now).

Interval reminders are anchored to the start of the day's active window in local wall-clock
time (09:00, 09:30, 10:00 … for a 30-minute posture break), so they never drift across DST
the way an absolute ``IntervalTrigger`` does. A daily reminder fires at the same local time
every allowed day. Every result is an aware UTC datetime strictly after ``after``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

KINDS = ("posture", "water", "stretch", "daily")
INTERVAL_CHOICES: dict[str, tuple[int, ...]] = {
    "posture": (20, 30, 45, 60),
    "water": (45, 60, 90, 120),
    "stretch": (60, 90, 120),
}
DEFAULT_INTERVAL = {"posture": 30, "water": 60, "stretch": 90}
DEFAULT_DAILY_AT = time(9, 0)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = frozenset(range(7))


@dataclass(frozen=True, slots=True)
class Window:
    """Active hours (``end <= start`` means the window crosses midnight) and days (0 = Monday).

    For a window crossing midnight, the day it *starts* on must be allowed.
    """

    start: time = time(9, 0)
    end: time = time(18, 0)
    days: frozenset[int] = ALL_DAYS

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    interval_minutes: int | None = None
    at: time | None = None

    def __post_init__(self) -> None:
        if self.kind == "daily":
            if self.at is None:
                raise ValueError("a daily reminder needs a time")
        elif self.interval_minutes is None or self.interval_minutes <= 0:
            raise ValueError("an interval reminder needs a positive interval")


def stored_rule(kind: str, interval_minutes: int | None, at_time: str | None) -> Rule:
    """The rule as the database keeps it (``"08:30"`` text, a nullable interval), with defaults."""
    if kind == "daily":
        return Rule("daily", at=parse_clock(at_time) if at_time else DEFAULT_DAILY_AT)
    return Rule(kind, interval_minutes=interval_minutes or DEFAULT_INTERVAL[kind])


def stored_window(start: str, end: str, days: str) -> Window:
    """The active window as the database keeps it: ``"09:00"``, ``"18:00"``, ``"01234"``."""
    return Window(parse_clock(start), parse_clock(end), frozenset(int(d) for d in days))


def end_of_local_day(zone: tzinfo, now: datetime, days_ahead: int = 0) -> datetime:
    """Midnight ending the local day ``days_ahead`` days from now, in UTC ("pause for today")."""
    local_date = now.astimezone(zone).date() + timedelta(days=days_ahead + 1)
    return to_utc(datetime.combine(local_date, time(0, 0)), zone)


def to_utc(wall: datetime, zone: tzinfo) -> datetime:
    """A naive local wall-clock time to UTC. Ambiguous times take their first occurrence;
    times skipped by a DST gap move forward by the gap (02:30 → 03:30 in Berlin in March)."""
    aware = wall.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != wall:  # in a gap: fold=1 gives the later reading
        utc = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
        utc = max(utc, aware.astimezone(UTC))
    return utc


def next_due(rule: Rule, window: Window, zone: tzinfo, after: datetime,
             phase: timedelta = timedelta(0)) -> datetime | None:
    """The first due time strictly after ``after`` (aware), or None if no day is allowed.

    ``phase`` shifts every interval slot (the user's stable offset, so that users on the same
    settings are not all due at the same second); a daily time stays exact."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if not window.days:
        return None
    local_day = after.astimezone(zone).date()
    if rule.kind == "daily":
        assert rule.at is not None
        for offset in range(0, 9):
            day = local_day + timedelta(days=offset)
            if day.weekday() in window.days:
                due = to_utc(datetime.combine(day, rule.at), zone)
                if due > after:
                    return due
        return None
    assert rule.interval_minutes is not None
    step = timedelta(minutes=rule.interval_minutes)
    for offset in range(-1, 9):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in window.days:
            continue
        found = _first_in_window(day, window, zone, step, after, phase)
        if found is not None:
            return found
    return None


def _first_in_window(day: date, window: Window, zone: tzinfo, step: timedelta, after: datetime,
                     phase: timedelta = timedelta(0)) -> datetime | None:
    start = datetime.combine(day, window.start) + phase
    end = datetime.combine(day, window.end)
    if window.crosses_midnight:
        end += timedelta(days=1)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    # Skip ahead arithmetically instead of walking the whole day step by step.
    k = max(1, int((local_after - start) / step)) if local_after > start else 1
    wall = start + step * k
    while wall <= end:
        due = to_utc(wall, zone)
        if due > after:
            return due
        wall += step
    return None


# -- parsing user input -----------------------------------------------------------------
def whole_number(text: str) -> bool:
    """ASCII digits only. ``str.isdigit`` also says yes to "²" and other digits ``int`` refuses,
    so every number people or buttons send is checked with this before ``int``."""
    return text.isascii() and text.isdigit()


class InputError(ValueError):
    """User input that can't be understood; the message is safe to show to the user."""


_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_TIME_RE = re.compile(r"^(\d{1,2})[:.h](\d{2})$|^(\d{1,2})$")


# Names in the tz database that are not places: abbreviations that stand for one city's rules
# (EST is Panama's zone, without daylight saving) and the placeholder zone "Factory".
_NOT_PLACES = frozenset({"CET", "EET", "MET", "WET", "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT",
                         "PST8PDT", "Factory"})
_UTC_ZONES = frozenset({"Etc/UTC", "Etc/GMT"})  # zero offset, no daylight saving: shown as "UTC"


def _tzdata_text(filename: str) -> str:
    """A file of the tz database that ships in the tzdata package, the same on every machine."""
    return resources.files("tzdata").joinpath("zoneinfo", filename).read_text(encoding="utf-8")


@functools.cache
def _zone_index() -> tuple[dict[str, str], dict[str, str]]:
    """(lower-cased zone name → canonical name, lower-cased city → canonical name), built once, on first use.

    The names come from the tzdata package's ``tzdata.zi``, where ``Z <name> …`` defines a zone and
    ``L <target> <link>`` an alternative name for it. Backward-compatible links (US/Eastern, Asia/Calcutta,
    Europe/Kiev, GB) become the zone they point to. A link that ``zone.tab`` lists as a country's own zone
    (Europe/Oslo, linked to Europe/Berlin since the rules are the same since 1970) keeps its name: that is
    the name its people know.
    """
    zones: list[str] = []
    links: dict[str, str] = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "Z":
            zones.append(fields[1])
        elif len(fields) >= 3 and fields[0] == "L":
            links[fields[2]] = fields[1]
    countries = {fields[2] for line in _tzdata_text("zone.tab").splitlines()
                 if not line.startswith("#") and len(fields := line.split("\t")) >= 3}

    def canonical(name: str) -> str:
        for _ in range(8):  # links point at zones; follow a chain anyway, should a release add one
            if name in countries or name not in links:
                break
            name = links[name]
        return "UTC" if name in _UTC_ZONES else name

    # Zones first, then countries' links, then the rest: the first name claims a city.
    ordered = [*sorted(zones), *sorted(n for n in links if n in countries), *sorted(n for n in links
                                                                               if n not in countries)]
    names: dict[str, str] = {}
    cities: dict[str, str] = {}
    for name in ordered:
        if name in _NOT_PLACES:
            continue
        names[name.lower()] = canonical(name)
        if "/" in name and not name.startswith("Etc/"):
            cities.setdefault(name.rsplit("/", 1)[1].replace("_", " ").lower(), canonical(name))
    return names, cities


_CITY_ALIASES = {"new york city": "America/New_York", "nyc": "America/New_York", "la": "America/Los_Angeles",
                 "san francisco": "America/Los_Angeles", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
                 "mumbai": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "beijing": "Asia/Shanghai",
                 "munich": "Europe/Berlin", "washington": "America/New_York", "boston": "America/New_York",
                 "seattle": "America/Los_Angeles", "miami": "America/New_York", "sf": "America/Los_Angeles",
                 "iceland": "Atlantic/Reykjavik",  # the tz database links it to Africa/Abidjan
                 "utc": "UTC", "gmt": "UTC"}


class UnknownZone(InputError):
    """A stored time zone name that no longer resolves to a zone."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"I no longer know your saved time zone {name[:40]!r}. Send it again, for example "
                         "/timezone Europe/Berlin, /timezone Berlin or /timezone +05:30.")


def resolve_zone(text: str) -> tuple[str, tzinfo]:
    """An IANA name, a common city name or a UTC offset such as ``+05:30`` → (name, tzinfo).

    The name is the one to store and show: canonical (``US/Eastern`` → ``America/New_York``,
    ``Europe/Kiev`` → ``Europe/Kyiv``), ``UTC``, or ``UTC+05:30`` for an offset. Names are matched
    without regard to case; which names exist comes from the tzdata package, not from the machine.
    """
    raw = " ".join(text.strip().split())
    if not raw or len(raw) > 64:
        raise InputError("Send a time zone such as Europe/Berlin, a city such as Berlin, or an offset like +05:30.")
    match = _OFFSET_RE.match(raw)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
            raise InputError(f"{raw} is not a real UTC offset; offsets run from -12:00 to +14:00.")
        delta = timedelta(hours=hours, minutes=minutes) * (1 if sign == "+" else -1)
        name = f"UTC{sign}{hours:02d}:{minutes:02d}"
        return name, timezone(delta, name)
    key = raw.lower()
    names, cities = _zone_index()
    found = _CITY_ALIASES.get(key) or names.get(key.replace(" ", "_")) or cities.get(key)
    if found:
        try:
            return found, ZoneInfo(found)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass  # a broken zone file on this machine: as good as unknown
    shown = raw[:40]
    raise InputError(f"I don't know the time zone {shown!r}. Try an IANA name like Europe/Berlin, "
                     "a city like Berlin, or an offset like +05:30.")


def zone_from_name(name: str | None) -> tzinfo:
    """A stored zone name back to a tzinfo (UTC if unset).

    Names stored before they were made canonical (``Asia/Calcutta``) still work. A name that no
    longer resolves raises ``UnknownZone`` (a ``ValueError``, and an ``InputError`` whose message
    can be shown to the user), never ``ZoneInfoNotFoundError``: callers that handle many users,
    such as the reminder dispatcher, can catch it for the one user whose zone it is.
    """
    if not name:
        return UTC
    try:
        return resolve_zone(name)[1]
    except InputError:
        raise UnknownZone(name) from None


def canonical_zone_name(name: str) -> str:
    """The name to show for a stored zone name (``US/Eastern`` → ``America/New_York``); raises ``UnknownZone``."""
    try:
        return resolve_zone(name)[0]
    except InputError:
        raise UnknownZone(name) from None


def parse_clock(text: str) -> time:
    match = _TIME_RE.match(text.strip())
    if not match:
        raise InputError(f"{text[:20]!r} is not a time. Use 24-hour HH:MM, for example 08:30.")
    hours = int(match.group(1) or match.group(3))
    minutes = int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        raise InputError(f"{text[:20]!r} is not a time of day. Hours go 00 to 23, minutes 00 to 59.")
    return time(hours, minutes)


def parse_hours(text: str) -> tuple[time, time]:
    parts = re.split(r"\s*(?:-|–|to)\s*", text.strip(), maxsplit=1)
    if len(parts) != 2:
        raise InputError("Send the hours as a range, for example /hours 09:00-18:00.")
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start == end:
        raise InputError("The start and end of the hours can't be the same time.")
    return start, end


def parse_days(text: str) -> frozenset[int]:
    raw = text.strip().lower()
    if raw in {"every day", "everyday", "daily", "all", "mon-sun"}:
        return ALL_DAYS
    if raw in {"weekdays", "workdays"}:
        return frozenset(range(5))
    if raw in {"weekends", "weekend"}:
        return frozenset({5, 6})
    days: set[int] = set()
    for part in re.split(r"[,\s]+", raw):
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _day(first), _day(last)
            span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            days.update(span)
        else:
            days.add(_day(part))
    if not days:
        raise InputError("Send days like mon-fri, mon,wed,fri, weekends or every day.")
    return frozenset(days)


def _day(text: str) -> int:
    key = text[:3]
    if key in DAY_NAMES and DAY_NAMES[DAY_NAMES.index(key)].startswith(text[:3]) and len(text) >= 3:
        full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[DAY_NAMES.index(key)]
        if full.startswith(text):
            return DAY_NAMES.index(key)
    raise InputError(f"{text[:12]!r} is not a day. Use mon, tue, wed, thu, fri, sat, sun.")


_DURATION_RE = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)$")


def parse_duration(text: str) -> timedelta:
    match = _DURATION_RE.match(text.strip().lower())
    if not match:
        raise InputError(f"{text[:20]!r} is not a duration. Try 30m, 2h or 1d.")
    amount, unit = int(match.group(1)), match.group(2)[0]
    delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    if amount <= 0:
        raise InputError("The duration has to be more than zero.")
    if delta > timedelta(days=30):
        raise InputError("That's longer than I can pause for: 30 days at most. /stop turns reminders off.")
    return delta


def describe_days(days: frozenset[int]) -> str:
    if days == ALL_DAYS:
        return "every day"
    if days == frozenset(range(5)):
        return "Mon-Fri"
    return ", ".join(DAY_NAMES[d].capitalize() for d in sorted(days))
