"""The terminal console, driven through a real pipe as a script would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_console(lines: list[str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["UNKNOT_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env, check=False,
    )


def test_no_token_starts_the_console_and_answers_commands(tmp_path: Path) -> None:
    result = run_console(["/start", "/ice", "/foods"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "WELCOME TO UNKNOT" in out and "not a substitute for professional" in out
    assert "10 to 20 minutes" in out and "Avocado" in out
    assert "<b>" not in out and "&amp;" not in out  # plain text, not Telegram HTML


def test_numbered_choices_browse_the_menu(tmp_path: Path) -> None:
    result = run_console(["/topics", "5", "4"], tmp_path, "console")
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("\n\n")
    menu_choices = [line for line in result.stdout.splitlines() if line.startswith("  [5]")]
    assert menu_choices[0] == "  [5] Relief and care"
    assert "RELIEF AND CARE" in result.stdout
    assert "ICE FOR BACK SPASMS" in result.stdout and "towel" in result.stdout
    assert any("« Back" in b for b in blocks)


def test_bad_choice_and_unknown_command_get_friendly_replies(tmp_path: Path) -> None:
    result = run_console(["/help", "99", "/frobnicate", "hello there"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "There is no choice 99 here" in result.stdout
    assert "I don't know the command /frobnicate" in result.stdout
    assert "/help" in result.stdout


def test_quit_ends_the_session(tmp_path: Path) -> None:
    result = run_console(["/quit", "/ice"], tmp_path)
    assert result.returncode == 0
    assert "towel" not in result.stdout


def test_telegram_mode_without_token_explains(tmp_path: Path) -> None:
    result = run_console([], tmp_path, "telegram")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "BotFather" in result.stderr


async def test_console_delivers_reminders_and_takes_button_numbers(settings: object, clock: object) -> None:
    import io
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from bot.adapters.console import Console
    from bot.app import open_services
    from bot.storage.models import phase_for
    from tests.conftest import FakeClock

    slot = datetime(2026, 11, 23, 10, 0, tzinfo=UTC) + timedelta(seconds=phase_for("console", "console"))

    assert isinstance(clock, FakeClock)
    services = await open_services(replace(settings, database_url=""), clock)  # type: ignore[type-var]
    out = io.StringIO()
    console = Console(services.router, io.StringIO(), out, interactive=False)
    dispatcher = services.dispatcher({"console": console})
    try:
        reply = await console.handle("/remind water every 60m")
        assert reply is not None and f"next today {slot:%H:%M}" in reply.text  # the console user's phase
        clock.set(slot)
        assert await dispatcher.tick() == 1
        assert "WATER" in out.getvalue() and "[1] ✅ Done" in out.getvalue()
        done = await console.handle("1")
        assert done is not None and f"✅ Done at {slot:%H:%M}" in done.text
        stats = await console.handle("/stats")
        assert stats is not None and "Glasses of water: 1 today" in stats.text
    finally:
        await services.close()


def test_reader_going_away_ends_quietly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["UNKNOT_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "console"], cwd=tmp_path, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write("/ice\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "ICE FOR BACK SPASMS"
    proc.stdout.close()  # like `unknot console | head -1`
    proc.stdin.write("/heat\n/foods\n/help\n" * 50)
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    assert "Traceback" not in proc.stderr.read()


def test_a_digit_int_refuses_is_not_a_choice(tmp_path: Path) -> None:
    result = run_console(["/topics", "²", "/tip"], tmp_path, "console")
    assert result.returncode == 0, result.stderr  # it used to end the console with a ValueError
    assert "has no answer to that" in result.stdout  # read as a message, not as choice 2
    assert "Another tip" in result.stdout  # and the console goes on
