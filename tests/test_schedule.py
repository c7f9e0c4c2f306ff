"""Next due times: pure functions of (rule, time zone, now), checked across DST and offsets."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import (
    InputError,
    Rule,
    Window,
    next_due,
    parse_clock,
    parse_days,
    parse_duration,
    parse_hours,
    resolve_zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
TOKYO = ZoneInfo("Asia/Tokyo")


def series(rule: Rule, window: Window, zone: object, start: datetime, count: int) -> list[datetime]:
    out, moment = [], start
    for _ in range(count):
        moment = next_due(rule, window, zone, moment)  # type: ignore[arg-type]
        assert moment is not None
        out.append(moment)
    return out


def test_daily_tip_stays_at_nine_local_across_spring_forward() -> None:
    fires = series(Rule("daily", at=time(9)), Window(), BERLIN, datetime(2026, 3, 27, 12, tzinfo=UTC), 4)
    local = [f.astimezone(BERLIN) for f in fires]
    assert [d.date().isoformat() for d in local] == ["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]
    assert all(d.hour == 9 and d.minute == 0 for d in local)
    assert fires[0].hour == 8 and fires[1].hour == 7  # UTC moves, local time does not


def test_daily_tip_stays_at_nine_local_across_fall_back() -> None:
    fires = series(Rule("daily", at=time(9)), Window(), BERLIN, datetime(2026, 10, 23, 12, tzinfo=UTC), 4)
    local = [f.astimezone(BERLIN) for f in fires]
    assert [d.day for d in local] == [24, 25, 26, 27]
    assert all(d.hour == 9 for d in local)


def test_ambiguous_local_time_fires_once_on_fall_back_night() -> None:
    fires = series(Rule("daily", at=time(2, 30)), Window(), BERLIN, datetime(2026, 10, 24, 12, tzinfo=UTC), 3)
    assert len({f.astimezone(BERLIN).date() for f in fires}) == 3  # one per day, no double fire
    assert fires[1] - fires[0] == timedelta(hours=25)


def test_time_skipped_by_spring_forward_still_fires_that_day() -> None:
    fires = series(Rule("daily", at=time(2, 30)), Window(), BERLIN, datetime(2026, 3, 28, 12, tzinfo=UTC), 2)
    assert fires[0].astimezone(BERLIN).date().isoformat() == "2026-03-29"  # no skipped day
    assert fires[0].astimezone(BERLIN).hour == 3


def test_interval_is_anchored_to_the_window_in_local_time() -> None:
    rule = Rule("posture", interval_minutes=30)
    window = Window(time(9), time(11))
    fires = series(rule, window, BERLIN, datetime(2026, 3, 27, 0, tzinfo=UTC), 6)
    local = [f.astimezone(BERLIN).strftime("%d %H:%M") for f in fires]
    assert local == ["27 09:30", "27 10:00", "27 10:30", "27 11:00", "28 09:30", "28 10:00"]


def test_interval_does_not_drift_across_dst() -> None:
    rule = Rule("water", interval_minutes=60)
    window = Window(time(9), time(12))
    fires = series(rule, window, BERLIN, datetime(2026, 3, 28, 0, tzinfo=UTC), 6)
    assert [f.astimezone(BERLIN).strftime("%d %H:%M") for f in fires] == [
        "28 10:00", "28 11:00", "28 12:00", "29 10:00", "29 11:00", "29 12:00"]


def test_kolkata_half_hour_offset() -> None:
    fires = series(Rule("daily", at=time(8, 30)), Window(), KOLKATA, datetime(2026, 6, 1, tzinfo=UTC), 2)
    assert [f.strftime("%H:%M") for f in fires] == ["03:00", "03:00"]
    assert fires[1] - fires[0] == timedelta(days=1)


def test_zone_without_dst_is_steady_all_year() -> None:
    rule = Rule("daily", at=time(9))
    winter = next_due(rule, Window(), TOKYO, datetime(2026, 1, 10, tzinfo=UTC))
    summer = next_due(rule, Window(), TOKYO, datetime(2026, 7, 10, tzinfo=UTC))
    assert winter is not None and summer is not None
    assert winter.hour == summer.hour == 0


def test_window_crossing_midnight() -> None:
    rule = Rule("posture", interval_minutes=120)
    window = Window(time(22), time(6))
    fires = series(rule, window, TOKYO, datetime(2026, 5, 4, 12, tzinfo=UTC), 5)
    local = [f.astimezone(TOKYO).strftime("%a %H:%M") for f in fires]
    assert local == ["Tue 00:00", "Tue 02:00", "Tue 04:00", "Tue 06:00", "Wed 00:00"]


def test_window_crossing_midnight_over_spring_forward_never_repeats() -> None:
    rule = Rule("posture", interval_minutes=30)
    fires = series(rule, Window(time(22), time(6)), BERLIN, datetime(2026, 3, 28, 20, tzinfo=UTC), 30)
    assert fires == sorted(set(fires))
    assert all(b > a for a, b in itertools.pairwise(fires))


def test_days_limit_interval_and_daily_reminders() -> None:
    weekdays = Window(time(9), time(18), frozenset(range(5)))
    friday_evening = datetime(2026, 11, 27, 20, tzinfo=UTC)
    due = next_due(Rule("daily", at=time(9)), weekdays, UTC, friday_evening)
    assert due is not None and due.strftime("%a %H:%M") == "Mon 09:00"
    due = next_due(Rule("posture", interval_minutes=30), weekdays, UTC, friday_evening)
    assert due is not None and due.strftime("%a %H:%M") == "Mon 09:30"


def test_result_is_always_after_now() -> None:
    rule = Rule("posture", interval_minutes=20)
    now = datetime(2026, 3, 2, 9, 20, tzinfo=UTC)  # exactly on a slot
    due = next_due(rule, Window(), UTC, now)
    assert due == datetime(2026, 3, 2, 9, 40, tzinfo=UTC)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        next_due(Rule("daily", at=time(9)), Window(), UTC, datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"), ("Berlin", "Europe/Berlin"),
     ("new york", "America/New_York"), ("Mumbai", "Asia/Kolkata"), ("+05:30", "UTC+05:30"),
     ("UTC-3", "UTC-03:00"), ("utc", "UTC"), ("Asia/Kolkata", "Asia/Kolkata")],
)
def test_zone_names_cities_and_offsets(text: str, expected: str) -> None:
    assert resolve_zone(text)[0] == expected


def test_offset_zone_is_fixed() -> None:
    _, zone = resolve_zone("+05:30")
    assert datetime(2026, 1, 1, tzinfo=zone).utcoffset() == timedelta(hours=5, minutes=30)


@pytest.mark.parametrize("text", ["Mars/Olympus", "", "+15:00", "+05:75", "x" * 500, "Atlantis"])
def test_unknown_zones_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        resolve_zone(text)


@pytest.mark.parametrize("text", ["25:00", "12:60", "noon", "-5", "99"])
def test_bad_clock_times(text: str) -> None:
    with pytest.raises(InputError):
        parse_clock(text)


def test_hours_and_days_parsing() -> None:
    assert parse_hours("09:00-18:00") == (time(9), time(18))
    assert parse_hours("22:00 - 06:00") == (time(22), time(6))
    with pytest.raises(InputError):
        parse_hours("25:00-99")
    with pytest.raises(InputError):
        parse_hours("09:00-09:00")
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("sat-mon") == frozenset({5, 6, 0})
    assert parse_days("mon,wed,friday") == frozenset({0, 2, 4})
    assert parse_days("weekends") == frozenset({5, 6})
    for bad in ("funday", "mon-xyz", ",,"):
        with pytest.raises(InputError):
            parse_days(bad)


def test_durations() -> None:
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("30m") == timedelta(minutes=30)
    for bad in ("0m", "-5m", "forever", "999d"):
        with pytest.raises(InputError):
            parse_duration(bad)


def test_end_of_local_day_follows_the_zone() -> None:
    from bot.core.schedule import end_of_local_day

    now = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # already Sunday 00:30 in Berlin
    assert end_of_local_day(BERLIN, now) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # CEST midnight
    assert end_of_local_day(BERLIN, now, 1) == datetime(2026, 3, 30, 22, 0, tzinfo=UTC)
    assert end_of_local_day(KOLKATA, now) == datetime(2026, 3, 29, 18, 30, tzinfo=UTC)


def test_stored_forms_fill_in_defaults() -> None:
    from bot.core.schedule import stored_rule, stored_window

    assert stored_rule("daily", None, None) == Rule("daily", at=time(9))
    assert stored_rule("daily", None, "08:30") == Rule("daily", at=time(8, 30))
    assert stored_rule("water", None, None) == Rule("water", interval_minutes=60)
    assert stored_window("22:00", "06:00", "01234") == Window(time(22), time(6), frozenset(range(5)))
