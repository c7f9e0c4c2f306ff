"""Webhook mode: the real PTB webhook server, with the fake Bot API posting updates to it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest

from bot.adapters.telegram import WebhookConfig, build_application, serve_telegram, webhook_config
from bot.app import Services, open_services
from bot.config import Secret, Settings
from tests.conftest import FakeClock, RunningBot, start_bot
from tests.fakebotapi import FakeBotAPI

SECRET = "s3cret_-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class WebhookBot:
    api: FakeBotAPI
    config: WebhookConfig
    task: asyncio.Task[None]
    stop: asyncio.Event
    services: Services

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 15)
        await self.services.close()


async def start_webhook_bot(api: FakeBotAPI, settings: Settings, clock: FakeClock,
                            config: WebhookConfig) -> WebhookBot:
    settings = replace(settings, telegram_token=Secret(api.token), telegram_base_url=api.base_url)
    services = await open_services(settings, clock)
    application, adapter = build_application(settings, services.router)
    stop = asyncio.Event()
    task = asyncio.create_task(serve_telegram(application, adapter, stop, poll_timeout=1, webhook=config))
    await api.wait_for("setWebhook", timeout=15)
    return WebhookBot(api, config, task, stop, services)


@pytest.fixture
async def webhook_bot(fake_api: FakeBotAPI, settings: Settings, clock: FakeClock) -> AsyncIterator[WebhookBot]:
    port = free_port()
    config = WebhookConfig(f"http://127.0.0.1:{port}/telegram/hook", Secret(SECRET), "127.0.0.1", port)
    bot = await start_webhook_bot(fake_api, settings, clock, config)
    yield bot
    if not bot.task.done():
        await bot.shutdown()


async def test_webhook_is_registered_with_its_secret(webhook_bot: WebhookBot) -> None:
    api = webhook_bot.api
    call = api.sent("setWebhook")[0]
    assert call.params["url"] == webhook_bot.config.url
    assert call.params["secret_token"] == SECRET
    assert "callback_query" in call.params["allowed_updates"]
    assert not api.sent("getUpdates") and not api.sent("deleteWebhook")


async def test_start_posted_to_the_webhook_is_answered(webhook_bot: WebhookBot) -> None:
    api = webhook_bot.api
    status = await api.post_update({"message": api.message("/start")})
    assert status == 200
    call = await api.wait_for("sendMessage")
    assert call.params["chat_id"] == 42 and "not a substitute for professional" in call.text
    # The usual helpers deliver through the webhook too, buttons included.
    await api.push_callback("m:root", call.result["message_id"])
    await api.wait_for("answerCallbackQuery")


async def test_a_trailing_slash_reaches_the_same_path(webhook_bot: WebhookBot) -> None:
    api = webhook_bot.api
    assert await api.post_update({"message": api.message("/ice")}, url=webhook_bot.config.url + "/") == 200
    assert "10 to 20 minutes" in (await api.wait_for("sendMessage")).text


@pytest.mark.parametrize("secret", [None, "wrong", SECRET + "x", ""])
async def test_post_without_the_right_secret_is_refused(webhook_bot: WebhookBot, secret: str | None) -> None:
    api = webhook_bot.api
    assert await api.post_update({"message": api.message("/start")}, secret_token=secret) == 403
    # Nothing was handled: the next genuine update is the first to get an answer.
    await api.post_update({"message": api.message("/ice")})
    await api.wait_for("sendMessage")
    assert [c.text for c in api.sent("sendMessage")] == [api.sent("sendMessage")[0].text]
    assert "10 to 20 minutes" in api.sent("sendMessage")[0].text


async def test_other_paths_are_not_the_webhook(webhook_bot: WebhookBot) -> None:
    api = webhook_bot.api
    other = f"http://127.0.0.1:{webhook_bot.config.port}/elsewhere"
    assert await api.post_update({"message": api.message("/start")}, url=other) == 404


async def test_webhook_at_the_root_path(fake_api: FakeBotAPI, settings: Settings, clock: FakeClock) -> None:
    port = free_port()
    bot = await start_webhook_bot(fake_api, settings, clock,
                                  WebhookConfig(f"http://127.0.0.1:{port}", Secret(SECRET), "127.0.0.1", port))
    try:
        assert await fake_api.post_update({"message": fake_api.message("/ice")}) == 200
        assert "10 to 20 minutes" in (await fake_api.wait_for("sendMessage")).text
    finally:
        await bot.shutdown()


async def test_a_busy_port_fails_start_up_cleanly(fake_api: FakeBotAPI, settings: Settings,
                                                  clock: FakeClock) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = WebhookConfig(f"http://127.0.0.1:{port}/hook", Secret(SECRET), "127.0.0.1", port)
        bot = await start_webhook_bot(fake_api, settings, clock, config)
        try:
            with pytest.raises(OSError):
                await asyncio.wait_for(bot.task, 15)
        finally:
            await bot.services.close()


async def test_polling_stays_the_default(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    assert "not a substitute for professional" in await telegram_bot.command("/start")  # fetched by getUpdates
    assert api.sent("deleteWebhook") and not api.sent("setWebhook")
    assert api.webhook is None


async def test_polling_removes_a_webhook_left_from_before(fake_api: FakeBotAPI, settings: Settings,
                                                         clock: FakeClock) -> None:
    port = free_port()
    config = WebhookConfig(f"http://127.0.0.1:{port}/hook", Secret(SECRET), "127.0.0.1", port)
    await (await start_webhook_bot(fake_api, settings, clock, config)).shutdown()
    assert fake_api.webhook is not None  # Telegram keeps a webhook until it is deleted
    bot = await start_bot(fake_api, settings, clock)
    try:
        await fake_api.wait_for("deleteWebhook")
        assert "10 to 20 minutes" in await bot.command("/ice")
        assert fake_api.webhook is None
    finally:
        await bot.shutdown()


def test_webhook_config_from_settings() -> None:
    assert webhook_config(Settings()) is None
    settings = Settings.from_env({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/",
                                  "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_WEBHOOK_LISTEN": "[::]:8443"})
    config = webhook_config(settings)
    assert config is not None
    assert (config.url, config.secret.reveal(), config.listen, config.port) == (
        "https://bot.example.org/telegram/", SECRET, "::", 8443)
    assert config.url_path == "/telegram"
    assert SECRET not in repr(config)
    default = webhook_config(Settings.from_env({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org",
                                                "TELEGRAM_WEBHOOK_SECRET": SECRET}))
    assert default is not None and (default.listen, default.port, default.url_path) == ("0.0.0.0", 8080, "")
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        webhook_config(Settings(telegram_webhook_url="https://bot.example.org/hook"))
