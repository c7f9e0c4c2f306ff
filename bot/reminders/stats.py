"""What ✅ Done presses add up to: counts per kind today and this week, and the streak."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.core.schedule import KINDS

BREAK_KINDS = ("posture", "water", "stretch")  # a "break" for the streak; the daily tip is not one


@dataclass(frozen=True, slots=True)
class Tally:
    today: dict[str, int]
    week: dict[str, int]
    streak: int  # days in a row, ending today or yesterday, with at least one break done


def tally(done: Iterable[tuple[str, datetime]], zone: tzinfo, now: datetime) -> Tally:
    """Count in the user's local days; weeks start on Monday."""
    today = now.astimezone(zone).date()
    week_start = today - timedelta(days=today.weekday())
    on_today = dict.fromkeys(KINDS, 0)
    this_week = dict.fromkeys(KINDS, 0)
    break_days: set[date] = set()
    for kind, at in done:
        day = at.astimezone(zone).date()
        if day == today:
            on_today[kind] += 1
        if week_start <= day <= today:
            this_week[kind] += 1
        if kind in BREAK_KINDS:
            break_days.add(day)
    streak = 0
    day = today if today in break_days else today - timedelta(days=1)
    while day in break_days:
        streak += 1
        day -= timedelta(days=1)
    return Tally(on_today, this_week, streak)
