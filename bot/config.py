"""Settings from the environment. Secrets never appear in a repr or a log line."""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.catalogue import default_content_dir

DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


class Secret:
    """A string that hides itself from repr, str and logs."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    telegram_token: Secret = field(default_factory=lambda: Secret(""))
    telegram_base_url: str = DEFAULT_TELEGRAM_BASE_URL
    discord_token: Secret = field(default_factory=lambda: Secret(""))
    data_dir: Path = Path("data")
    database_url: str = ""
    content_dir: Path = field(default_factory=default_content_dir)
    log_level: str = "INFO"
    grace_seconds: int = 600

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        """Settings from ``environ`` (default: the process environment), with values from a
        ``.env`` file filling in what the environment does not set."""
        env = dict(os.environ if environ is None else environ)
        if dotenv is not None and dotenv.is_file():
            for key, value in read_dotenv(dotenv).items():
                env.setdefault(key, value)
        data_dir = Path(env.get("UNKNOT_DATA_DIR", "data"))
        content = env.get("UNKNOT_CONTENT_DIR")
        level = env.get("LOG_LEVEL", "INFO").upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"LOG_LEVEL {level!r} is not a logging level (try INFO or DEBUG)")
        grace = env.get("REMINDER_GRACE_SECONDS", "600")
        if not grace.isdigit():
            raise ValueError("REMINDER_GRACE_SECONDS must be a whole number of seconds")
        return cls(
            telegram_token=Secret(env.get("TELEGRAM_BOT_TOKEN", "").strip()),
            telegram_base_url=env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_TELEGRAM_BASE_URL,
            discord_token=Secret(env.get("DISCORD_BOT_TOKEN", "").strip()),
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL", "").strip(),
            content_dir=Path(content) if content else default_content_dir(),
            log_level=level,
            grace_seconds=int(grace),
        )

    def resolved_database_url(self) -> str:
        """``DATABASE_URL`` or a SQLite file in the data directory (created on demand)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'unknot.db').resolve()}"


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=value`` lines; blank lines and ``#`` comments skipped, surrounding quotes removed."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key:
            values[key] = value
    return values


class RedactingFilter(logging.Filter):
    """Replaces every secret in a log record with ``**********``: in the message, the
    traceback and the stack.

    httpx logs full request URLs, and the Bot API puts the token in the URL; an exception
    raised on such a request carries the URL in its text, and so in its traceback.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "**********")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            record.msg, record.args = self.redact(message), None
        # Formatters print record.exc_text when it is set, and only format exc_info when it
        # is not: so the redacted traceback put here is the one every handler shows.
        exc_text = record.exc_text
        if not exc_text and record.exc_info and record.exc_info[0] is not None:
            exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if exc_text and any(s in exc_text for s in self.secrets):
            record.exc_text = self.redact(exc_text)
        if record.stack_info and any(s in record.stack_info for s in self.secrets):
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    redactor = RedactingFilter([settings.telegram_token.reveal(), settings.discord_token.reveal()])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
