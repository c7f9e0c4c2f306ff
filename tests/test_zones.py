"""Time zone names: the bundled tz database (the tzdata package), canonical names, one index per process."""

from __future__ import annotations

import tomllib
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.core.schedule import resolve_zone
from tests.conftest import ROOT


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
