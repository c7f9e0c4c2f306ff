"""Dependencies point inward: the core knows no chat platform and no database."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

FORBIDDEN_IN_CORE = ("telegram", "discord", "sqlalchemy", "aiohttp", "apscheduler", "bot.adapters", "bot.storage",
                     "bot.reminders")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_platform_or_storage() -> None:
    core = sorted((ROOT / "bot" / "core").glob("*.py"))
    assert len(core) >= 8
    for path in core:
        bad = {name for name in imports_of(path) if name.startswith(FORBIDDEN_IN_CORE)}
        assert not bad, f"{path.name} imports {bad}"


def test_reminder_logic_imports_no_platform() -> None:
    for path in sorted((ROOT / "bot" / "reminders").glob("*.py")):
        bad = {name for name in imports_of(path) if name.startswith(("telegram", "discord", "bot.adapters"))}
        assert not bad, f"{path.name} imports {bad}"


def test_a_service_cannot_take_the_menus_button_prefix() -> None:
    import pytest

    from bot.core.catalogue import load_catalogue
    from bot.core.chat import ChatService
    from bot.core.router import Router

    chat = ChatService(load_catalogue(ROOT / "content"))
    with pytest.raises(ValueError, match="belong to the topic menus"):
        Router(chat, {"g": object()})  # type: ignore[dict-item]
