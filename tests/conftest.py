from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.telegram import build_application, serve_telegram
from bot.app import build_services
from bot.config import Secret, Settings
from tests.fakebotapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, content_dir=ROOT / "content")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


class RunningBot:
    def __init__(self, api: FakeBotAPI, task: asyncio.Task[None], stop: asyncio.Event) -> None:
        self.api = api
        self.task = task
        self.stop = stop

    async def command(self, text: str, **kwargs: object) -> str:
        """Send ``text`` as a user and return the HTML text of the bot's next message."""
        before = len(self.api.calls)
        await self.api.push_message(text, **kwargs)  # type: ignore[arg-type]
        call = await self.api.wait_for("sendMessage", after=before)
        return call.text


@pytest.fixture
async def telegram_bot(fake_api: FakeBotAPI, settings: Settings) -> AsyncIterator[RunningBot]:
    settings = replace(settings, telegram_token=Secret(fake_api.token), telegram_base_url=fake_api.base_url)
    services = build_services(settings)
    application, adapter = build_application(settings, services.router)
    stop = asyncio.Event()
    task = asyncio.create_task(serve_telegram(application, adapter, stop, poll_timeout=1))
    await fake_api.wait_for("setMyCommands")
    yield RunningBot(fake_api, task, stop)
    stop.set()
    await fake_api.drain()
    await asyncio.wait_for(task, 15)


@pytest.fixture
def no_shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
