"""Settings from the environment. Secrets never appear in a repr or a log line."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.catalogue import default_content_dir

DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_WEBHOOK_LISTEN = "0.0.0.0:8080"
# What Telegram accepts as a webhook's secret_token, and the ports it will post to.
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)
# The webhook server matches the URL's path as a regular expression: keep it to plain characters.
WEBHOOK_PATH_PATTERN = re.compile(r"[A-Za-z0-9/_.~-]*")
HOSTNAME_PATTERN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")  # or an IPv4 address


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


DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"


@dataclass(frozen=True)
class Settings:
    telegram_token: Secret = field(default_factory=lambda: Secret(""))
    telegram_base_url: str = DEFAULT_TELEGRAM_BASE_URL
    discord_token: Secret = field(default_factory=lambda: Secret(""))
    # Discord's REST API; with another one (a test's fake Discord) the gateway is asked of it too.
    discord_api_base: str = DEFAULT_DISCORD_API_BASE
    data_dir: Path = Path("data")
    database_url: str = ""
    content_dir: Path = field(default_factory=default_content_dir)
    log_level: str = "INFO"
    grace_seconds: int = 600
    lease_seconds: int = 60
    # Webhook mode: Telegram posts updates to this public URL instead of the bot polling.
    telegram_webhook_url: str = ""
    telegram_webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    telegram_webhook_listen: str = DEFAULT_WEBHOOK_LISTEN

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
        lease = env.get("REMINDER_LEASE_SECONDS", "60")
        if not lease.isdigit() or not 5 <= int(lease) <= 3600:
            raise ValueError("REMINDER_LEASE_SECONDS must be a whole number of seconds from 5 to 3600")
        grace = env.get("REMINDER_GRACE_SECONDS", "600")
        if not grace.isdigit():
            raise ValueError("REMINDER_GRACE_SECONDS must be a whole number of seconds")
        base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_TELEGRAM_BASE_URL
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
        webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
        listen = env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or DEFAULT_WEBHOOK_LISTEN
        parse_listen(listen)
        if webhook_url:
            check_webhook_url(webhook_url, own_api_server=base_url != DEFAULT_TELEGRAM_BASE_URL)
            if not webhook_secret:
                raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set "
                                 "(1 to 256 characters: A-Z, a-z, 0-9, _ and -)")
        if webhook_secret and not WEBHOOK_SECRET_PATTERN.fullmatch(webhook_secret):
            # The value itself stays out of the message: it is a secret.
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - "
                             "(Telegram refuses anything else)")
        return cls(
            telegram_token=Secret(env.get("TELEGRAM_BOT_TOKEN", "").strip()),
            telegram_base_url=base_url,
            discord_token=Secret(env.get("DISCORD_BOT_TOKEN", "").strip()),
            discord_api_base=env.get("DISCORD_API_BASE", "").strip().rstrip("/") or DEFAULT_DISCORD_API_BASE,
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL", "").strip(),
            content_dir=Path(content) if content else default_content_dir(),
            log_level=level,
            grace_seconds=int(grace),
            lease_seconds=int(lease),
            telegram_webhook_url=webhook_url,
            telegram_webhook_secret=Secret(webhook_secret),
            telegram_webhook_listen=listen,
        )

    def resolved_database_url(self) -> str:
        """``DATABASE_URL`` or a SQLite file in the data directory (created on demand)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'unknot.db').resolve()}"


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8080`` for IPv6) as ``(host, port)``; a clear ValueError otherwise."""
    problem = f"TELEGRAM_WEBHOOK_LISTEN {value!r} must be host:port, such as 0.0.0.0:8080 or [::]:8080"
    if value.startswith("["):
        host, bracket, port = value[1:].partition("]:")
        if not bracket:
            raise ValueError(problem)
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(problem) from None
    else:
        host, colon, port = value.rpartition(":")
        if not colon or not host or ":" in host:
            raise ValueError(problem)
        if not HOSTNAME_PATTERN.fullmatch(host):
            raise ValueError(problem)
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"TELEGRAM_WEBHOOK_LISTEN {value!r}: the port must be a number from 1 to 65535")
    return host, int(port)


def check_webhook_url(url: str, own_api_server: bool = False) -> None:
    """Refuse a TELEGRAM_WEBHOOK_URL Telegram would refuse, with the reason.

    Telegram's own API wants https on port 443, 80, 88 or 8443; a Bot API server of your own
    (``TELEGRAM_BASE_URL``) also takes http and any port.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"TELEGRAM_WEBHOOK_URL {url!r} is not a valid URL") from None
    schemes = ("https", "http") if own_api_server else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"TELEGRAM_WEBHOOK_URL {url!r} must be a public https:// URL, "
                         "such as https://bot.example.org/telegram")
    if not own_api_server and port is not None and port not in TELEGRAM_WEBHOOK_PORTS:
        raise ValueError(f"TELEGRAM_WEBHOOK_URL {url!r}: Telegram only posts to ports 443, 80, 88 and 8443")
    if parts.fragment or parts.username or parts.password:
        raise ValueError(f"TELEGRAM_WEBHOOK_URL {url!r} must not carry a #fragment or user:password@")
    if not WEBHOOK_PATH_PATTERN.fullmatch(parts.path):
        raise ValueError(f"TELEGRAM_WEBHOOK_URL {url!r}: keep the path to letters, digits and / _ . ~ -")


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


def redacting_filter(settings: Settings) -> RedactingFilter:
    """A filter hiding every secret the settings hold."""
    return RedactingFilter([settings.telegram_token.reveal(), settings.discord_token.reveal(),
                            settings.telegram_webhook_secret.reveal()])


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    redactor = redacting_filter(settings)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
