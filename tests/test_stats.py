"""Counting Done presses in the user's own days."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.reminders.stats import tally

BERLIN = ZoneInfo("Europe/Berlin")


def test_days_and_weeks_are_local() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
    done = [
        ("water", datetime(2026, 11, 22, 23, 30, tzinfo=UTC)),  # Monday 00:30 in Berlin: today
        ("water", datetime(2026, 11, 22, 22, 30, tzinfo=UTC)),  # Sunday 23:30 in Berlin: last week
        ("posture", datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
    ]
    counted = tally(done, BERLIN, now)
    assert counted.today == {"posture": 1, "water": 1, "stretch": 0, "daily": 0}
    assert counted.week["water"] == 1
    assert counted.streak == 2  # Sunday and Monday


def test_streak_survives_a_morning_without_a_break_yet() -> None:
    now = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    done = [("stretch", datetime(2026, 11, 24, 12, tzinfo=UTC)), ("posture", datetime(2026, 11, 23, 12, tzinfo=UTC))]
    assert tally(done, UTC, now).streak == 2


def test_daily_tips_do_not_make_a_streak() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert tally([("daily", now)], UTC, now).streak == 0
    assert tally([], UTC, now).today["water"] == 0
