"""Settings from the environment, and secrets kept out of logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import DEFAULT_TELEGRAM_BASE_URL, RedactingFilter, Secret, Settings


def test_defaults_run_on_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"UNKNOT_DATA_DIR": str(tmp_path / "d")})
    assert not settings.telegram_token
    assert settings.telegram_base_url == DEFAULT_TELEGRAM_BASE_URL
    url = settings.resolved_database_url()
    assert url.startswith("sqlite+aiosqlite:///") and url.endswith("d/unknot.db")
    assert (tmp_path / "d").is_dir()


def test_values_come_from_the_environment() -> None:
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": "42:abc",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "DATABASE_URL": "postgresql+asyncpg://u@h/db",
        "LOG_LEVEL": "debug",
    })
    assert settings.telegram_token.reveal() == "42:abc"
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.resolved_database_url() == "postgresql+asyncpg://u@h/db"
    assert settings.log_level == "DEBUG"


def test_bad_log_level_is_refused() -> None:
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        Settings.from_env({"LOG_LEVEL": "chatty"})


def test_token_never_shows_in_repr() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "42:supersecret"})
    assert "supersecret" not in repr(settings) and "supersecret" not in str(Secret("supersecret"))


def test_token_is_redacted_from_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("unknot-test-redaction")
    redactor = RedactingFilter(["42:supersecret"])
    logger.addFilter(redactor)
    try:
        with caplog.at_level(logging.INFO):
            logger.info("HTTP Request: POST %s", "https://api.telegram.org/bot42:supersecret/getMe")
    finally:
        logger.removeFilter(redactor)
    assert "supersecret" not in caplog.text
    assert "bot**********/getMe" in caplog.text


def test_grace_period_comes_from_the_environment() -> None:
    assert Settings.from_env({}).grace_seconds == 600
    assert Settings.from_env({"REMINDER_GRACE_SECONDS": "120"}).grace_seconds == 120
    with pytest.raises(ValueError, match="REMINDER_GRACE_SECONDS"):
        Settings.from_env({"REMINDER_GRACE_SECONDS": "ten minutes"})


def test_dotenv_fills_in_what_the_environment_leaves_unset(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# local settings\nexport LOG_LEVEL=debug\nTELEGRAM_BASE_URL='http://127.0.0.1:8081/bot'\n"
                      "DATABASE_URL=sqlite+aiosqlite:///from-dotenv.db\nnot a setting\n", encoding="utf-8")
    settings = Settings.from_env({"DATABASE_URL": "postgresql+asyncpg://u@h/db"}, dotenv=dotenv)
    assert settings.log_level == "DEBUG"
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.database_url == "postgresql+asyncpg://u@h/db"  # the real environment wins
