"""Composition root: builds every service from ``Settings`` and runs one front end."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from dataclasses import dataclass

from bot.config import Settings
from bot.core.catalogue import Catalogue, load_catalogue
from bot.core.chat import BASIC_COMMANDS, ChatService
from bot.core.router import Router

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    catalogue: Catalogue
    chat: ChatService
    router: Router


def build_services(settings: Settings) -> Services:
    catalogue = load_catalogue(settings.content_dir, reserved_commands=[c.name for c in BASIC_COMMANDS])
    chat = ChatService(catalogue)
    router = Router(chat)
    return Services(settings, catalogue, chat, router)


async def run_console(settings: Settings) -> None:
    from bot.adapters.console import Console

    services = build_services(settings)
    await Console(services.router, sys.stdin, sys.stdout, interactive=sys.stdin.isatty()).run()


async def run_telegram(settings: Settings) -> None:
    from bot.adapters.telegram import build_application, serve_telegram

    services = build_services(settings)
    application, adapter = build_application(settings, services.router)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve_telegram(application, adapter, stop)
