"""Settings from the environment, and secrets kept out of logs."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import DEFAULT_TELEGRAM_BASE_URL, RedactingFilter, Secret, Settings, parse_listen, redacting_filter


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
    assert Settings.from_env({"REMINDER_LEASE_SECONDS": "15"}).lease_seconds == 15
    assert Settings.from_env({}).lease_seconds == 60
    for bad in ("1", "a minute", "99999"):
        with pytest.raises(ValueError, match="REMINDER_LEASE_SECONDS"):
            Settings.from_env({"REMINDER_LEASE_SECONDS": bad})
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


def log_through_a_real_handler(redactor: RedactingFilter, emit: Callable[[logging.Logger], None]) -> str:
    """What a StreamHandler with a formatter and ``redactor`` writes when ``emit`` logs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    logger = logging.getLogger("unknot-test-traceback-redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_token_is_redacted_from_tracebacks() -> None:
    token = "42:supersecret"

    def emit(logger: logging.Logger) -> None:
        try:
            try:
                raise ConnectionError(f"cannot reach https://api.telegram.org/bot{token}/getMe")
            except ConnectionError as exc:
                raise RuntimeError(f"gave up on bot{token}") from exc
        except RuntimeError:
            logger.exception("Request for %s failed", f"bot{token}/getMe")

    output = log_through_a_real_handler(RedactingFilter([token]), emit)
    assert "Traceback (most recent call last)" in output and "ConnectionError" in output
    assert "bot**********/getMe" in output and "gave up on bot**********" in output
    assert "supersecret" not in output


def test_token_is_redacted_from_stack_info_and_passed_exc_info() -> None:
    token = "42:supersecret"
    error = ValueError(f"bad token {token}")

    def emit(logger: logging.Logger) -> None:
        logger.error("Unexpected error", exc_info=error)  # as the Telegram adapter's error handler logs
        logger.warning("where am I", stack_info=True)  # the stack shows this line: bot42:supersecret

    output = log_through_a_real_handler(RedactingFilter([token]), emit)
    assert "ValueError: bad token **********" in output
    assert "Stack (most recent call last)" in output and "the stack shows this line: bot**********" in output
    assert "supersecret" not in output


def test_a_traceback_without_secrets_is_left_to_the_formatter() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, None)
    try:
        raise KeyError("nothing secret")
    except KeyError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter(["42:supersecret"]).filter(record)
    assert record.exc_text is None and record.msg == "boom"


def test_webhook_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/hook",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret_-Token",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1:9000",
    })
    assert settings.telegram_webhook_url == "https://bot.example.org/telegram/hook"
    assert settings.telegram_webhook_secret.reveal() == "s3cret_-Token"
    assert settings.telegram_webhook_listen == "127.0.0.1:9000"
    assert "s3cret" not in repr(settings)
    assert "s3cret_-Token" in redacting_filter(settings).secrets


def test_polling_is_the_default() -> None:
    settings = Settings.from_env({})
    assert settings.telegram_webhook_url == "" and not settings.telegram_webhook_secret
    assert settings.telegram_webhook_listen == "0.0.0.0:8080"


@pytest.mark.parametrize("secret", ["", "has space", "has/slash", "é", "x" * 257])
def test_webhook_secret_is_required_and_checked(secret: str) -> None:
    env = {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": secret}
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET") as caught:
        Settings.from_env(env)
    assert not secret or secret not in str(caught.value)  # the value stays out of the message


def test_longest_webhook_secret_telegram_takes_is_accepted() -> None:
    env = {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": "a-_9" * 64}
    assert Settings.from_env(env).telegram_webhook_secret.reveal() == "a-_9" * 64


@pytest.mark.parametrize("url", [
    "http://bot.example.org/hook",        # Telegram posts over https only
    "https:///hook",                      # no host
    "bot.example.org/hook",               # no scheme
    "https://bot.example.org:8080/hook",  # a port Telegram does not post to
    "https://bot.example.org/hook#top",
    "https://user:pw@bot.example.org/hook",
    "https://bot.example.org/ho(o)k",
])
def test_webhook_url_telegram_would_refuse_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_URL"):
        Settings.from_env({"TELEGRAM_WEBHOOK_URL": url, "TELEGRAM_WEBHOOK_SECRET": "s3cret"})


@pytest.mark.parametrize("url", ["https://bot.example.org", "https://bot.example.org:8443/t/hook/",
                                 "https://203.0.113.5:88/hook"])
def test_webhook_urls_telegram_takes(url: str) -> None:
    assert Settings.from_env({"TELEGRAM_WEBHOOK_URL": url, "TELEGRAM_WEBHOOK_SECRET": "s"}).telegram_webhook_url == url


def test_own_bot_api_server_takes_http_and_any_port() -> None:
    settings = Settings.from_env({"TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
                                  "TELEGRAM_WEBHOOK_URL": "http://10.0.0.5:8080/hook",
                                  "TELEGRAM_WEBHOOK_SECRET": "s3cret"})
    assert settings.telegram_webhook_url == "http://10.0.0.5:8080/hook"


@pytest.mark.parametrize(("listen", "parsed"), [
    ("0.0.0.0:8080", ("0.0.0.0", 8080)),
    ("localhost:1", ("localhost", 1)),
    ("[::]:65535", ("::", 65535)),
    ("[::1]:8443", ("::1", 8443)),
])
def test_webhook_listen_address(listen: str, parsed: tuple[str, int]) -> None:
    assert parse_listen(listen) == parsed
    assert Settings.from_env({"TELEGRAM_WEBHOOK_LISTEN": listen}).telegram_webhook_listen == listen


@pytest.mark.parametrize("listen", ["8080", ":8080", "0.0.0.0", "0.0.0.0:", "0.0.0.0:http", "0.0.0.0:0",
                                    "0.0.0.0:70000", "::1:8080", "[::1]8080", "[nothost]:8080", "bad host:80"])
def test_bad_webhook_listen_address_is_refused(listen: str) -> None:
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_LISTEN"):
        Settings.from_env({"TELEGRAM_WEBHOOK_LISTEN": listen})
