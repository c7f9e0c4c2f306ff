"""Time zone names: the bundled tz database (the tzdata package), canonical names, one index per process."""

from __future__ import annotations

import tomllib
import zoneinfo
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Services, open_services
from bot.config import Settings
from bot.core import schedule
from bot.core.router import Caller
from bot.core.schedule import resolve_zone
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
    calls = {"list": 0}
    real = schedule.available_timezones

    def counted() -> set[str]:
        calls["list"] += 1
        return real()

    schedule._zone_index.cache_clear()
    monkeypatch.setattr(schedule, "available_timezones", counted)
    for args in ("foo/bar", "Europe/Berlin", "europe/paris", "Berlin", "Mars/Olympus", "foo/bar", "Lisbon"):
        await services.router.command(ANN, "timezone", args)
    assert calls["list"] <= 1
    reply = await services.router.command(ANN, "timezone", "foo/bar")
    assert "don't know the time zone" in reply.text
    assert calls["list"] <= 1
