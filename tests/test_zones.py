"""Time zone names: the bundled tz database (the tzdata package), canonical names, one index per process."""

from __future__ import annotations

import tomllib
import zoneinfo
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Services, open_services
from bot.config import Settings
from bot.core import schedule
from bot.core.router import Caller
from bot.core.schedule import InputError, UnknownZone, resolve_zone, zone_from_name
from tests.conftest import ROOT, FakeClock

ANN = Caller("telegram", "42", "42", private=True)


def test_tzdata_is_a_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.replace(" ", "").startswith("tzdata>=") for dep in project["dependencies"])


@pytest.fixture
def no_system_zones() -> Iterator[None]:
    """As on a machine without /usr/share/zoneinfo (a slim container): only the tzdata package is left."""
    zoneinfo.reset_tzpath(to=[])
    # Names no other test loads, so dropping them from the cache changes nothing elsewhere.
    zoneinfo.ZoneInfo.clear_cache(only_keys=["Pacific/Chatham", "America/Argentina/Ushuaia"])
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()


@pytest.mark.usefixtures("no_system_zones")
def test_zones_resolve_without_a_system_zone_database() -> None:
    name, zone = resolve_zone("Pacific/Chatham")
    assert name == "Pacific/Chatham"
    assert datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(zone).hour == 1  # +13:45 in the southern summer
    assert resolve_zone("ushuaia")[0] == "America/Argentina/Ushuaia"


@pytest.fixture
async def services(settings: Settings, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Services]:
    built = await open_services(replace(settings, database_url=f"sqlite+aiosqlite:///{tmp_path / 'z.db'}"), clock)
    yield built
    await built.close()


async def test_timezone_commands_list_the_zones_once(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing every zone takes tens of milliseconds on the event loop: once per process, not per command."""
    reads: list[str] = []
    real = schedule._tzdata_text

    def counted(filename: str) -> str:
        reads.append(filename)
        return real(filename)

    schedule._zone_index.cache_clear()
    monkeypatch.setattr(schedule, "_tzdata_text", counted)
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: pytest.fail("lists the machine's zones"))
    for args in ("foo/bar", "Europe/Berlin", "europe/paris", "Berlin", "Mars/Olympus", "US/Eastern", "Lisbon"):
        await services.router.command(ANN, "timezone", args)
    reply = await services.router.command(ANN, "timezone", "foo/bar")
    assert "don't know the time zone" in reply.text
    assert sorted(reads) == ["tzdata.zi", "zone.tab"]  # each read once, on first use


@pytest.mark.parametrize(
    ("text", "expected"),
    [("US/Eastern", "America/New_York"), ("us/eastern", "America/New_York"), ("Asia/Calcutta", "Asia/Kolkata"),
     ("Europe/Kiev", "Europe/Kyiv"), ("GB", "Europe/London"), ("gb", "Europe/London"),
     ("US/Pacific", "America/Los_Angeles"), ("Calcutta", "Asia/Kolkata"), ("Kiev", "Europe/Kyiv"),
     ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"), ("Japan", "Asia/Tokyo"),
     ("Etc/UTC", "UTC"), ("Zulu", "UTC"), ("GMT", "UTC"),
     # A country's own zone stays, even where the tz database links it to a neighbour's identical zone.
     ("Europe/Oslo", "Europe/Oslo"), ("Oslo", "Europe/Oslo"), ("Europe/Amsterdam", "Europe/Amsterdam"),
     ("Iceland", "Atlantic/Reykjavik"),
     # What resolve_zone accepted before keeps working.
     ("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"), ("Berlin", "Europe/Berlin"),
     ("america/new york", "America/New_York"), ("New York", "America/New_York"), ("+05:30", "UTC+05:30"),
     ("utc", "UTC"), ("Etc/GMT+5", "Etc/GMT+5")],
)
def test_link_names_become_canonical(text: str, expected: str) -> None:
    name = resolve_zone(text)[0]
    assert name == expected
    assert resolve_zone(name)[0] == name  # canonical names are stable


def test_canonical_zone_keeps_the_rules_of_the_old_name() -> None:
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    for old in ("US/Eastern", "Asia/Calcutta", "Europe/Kiev", "GB", "US/Pacific"):
        _, zone = resolve_zone(old)
        assert summer.astimezone(zone).utcoffset() == summer.astimezone(zoneinfo.ZoneInfo(old)).utcoffset()


@pytest.mark.parametrize("text", ["EST", "CET", "PST8PDT", "Factory", "posix/Europe/Berlin", "right/UTC"])
def test_abbreviations_and_non_places_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        resolve_zone(text)


def test_stored_names_come_back_as_zones() -> None:
    assert zone_from_name(None) is UTC
    assert zone_from_name("") is UTC
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert summer.astimezone(zone_from_name("Asia/Calcutta")).hour == 17  # stored before names were canonical
    assert summer.astimezone(zone_from_name("UTC+05:30")).hour == 17
    assert summer.astimezone(zone_from_name("Europe/Kyiv")).hour == 15


@pytest.mark.parametrize("stored", ["Mars/Olympus", "Europe/Atlantis", "EST", "../etc/passwd", "x" * 100])
def test_a_stored_name_that_no_longer_resolves_raises_unknown_zone(stored: str) -> None:
    with pytest.raises(UnknownZone) as raised:
        zone_from_name(stored)
    assert isinstance(raised.value, ValueError)
    assert not isinstance(raised.value, zoneinfo.ZoneInfoNotFoundError)
    assert raised.value.name == stored
    assert "/timezone" in str(raised.value)


async def test_timezone_command_stores_and_shows_the_canonical_name(services: Services) -> None:
    await services.router.command(ANN, "remind", "water every 60m")
    reply = await services.router.command(ANN, "timezone", "US/Eastern")
    assert "Time zone set to America/New_York." in reply.text
    assert "02:00" in reply.text  # 07:00 UTC on a November Monday
    async with services.store.session() as session:
        user = await services.store.get_user(session, "telegram", "42")
        assert user is not None and user.timezone == "America/New_York"
    listing = await services.router.command(ANN, "reminders", "")
    assert "Time zone America/New_York" in listing.text


async def test_a_zone_stored_under_an_old_name_is_shown_canonical(services: Services) -> None:
    await services.router.command(ANN, "remind", "water every 60m")
    async with services.store.session() as session, session.begin():
        await session.execute(text("UPDATE subscribers SET timezone = 'Asia/Calcutta'"))
    listing = await services.router.command(ANN, "reminders", "")
    assert "Time zone Asia/Kolkata" in listing.text
    assert "Water: every 60 min, next today 15:3" in listing.text  # 10:00 UTC, read in Kolkata
