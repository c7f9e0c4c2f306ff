"""Composition root: builds every service from ``Settings`` and runs one front end."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.core.answers import AnswerEngine
from bot.core.catalogue import Catalogue, load_catalogue
from bot.core.chat import BASIC_COMMANDS, ChatService
from bot.core.clock import Clock, SystemClock
from bot.core.router import Router
from bot.core.triage_model import default_model
from bot.reminders.dispatcher import Dispatcher, Notifier
from bot.reminders.groups import COMMANDS as GROUP_COMMANDS
from bot.reminders.groups import GroupService
from bot.reminders.limits import SendLimiter
from bot.reminders.service import COMMANDS as REMINDER_COMMANDS
from bot.reminders.service import ReminderService
from bot.storage.db import make_engine, migrate
from bot.storage.leader import Leadership
from bot.storage.store import ReminderStore

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    catalogue: Catalogue
    chat: ChatService
    router: Router
    engine: AsyncEngine
    store: ReminderStore
    reminders: ReminderService
    clock: Clock
    groups: GroupService

    def dispatcher(self, notifiers: dict[str, Notifier], **options: object) -> Dispatcher:
        return Dispatcher(self.store, self.catalogue, notifiers, self.clock,
                          grace=timedelta(seconds=self.settings.grace_seconds),
                          lease=timedelta(seconds=self.settings.lease_seconds), **options)  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.engine.dispose()


def load_content(settings: Settings) -> Catalogue:
    reserved = [c.name for c in (*BASIC_COMMANDS, *REMINDER_COMMANDS, *GROUP_COMMANDS)]
    return load_catalogue(settings.content_dir, reserved_commands=reserved)


async def open_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Load content, open and migrate the database, wire the core services."""
    catalogue = load_content(settings)
    clock = clock or SystemClock()
    engine = make_engine(settings.resolved_database_url())
    await migrate(engine)
    store = ReminderStore(engine)
    chat = ChatService(catalogue)
    reminders = ReminderService(store, catalogue, clock)
    groups = GroupService(store, catalogue, clock)
    router = Router(chat, {"r": reminders, "community": groups}, AnswerEngine(catalogue, model=default_model()))
    return Services(settings, catalogue, chat, router, engine, store, reminders, clock, groups)


async def run_console(settings: Settings) -> None:
    from bot.adapters.console import Console
    from bot.reminders.loop import DispatchLoop

    services = await open_services(settings)
    console = Console(services.router, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    loop = DispatchLoop(services.dispatcher({"console": console}))
    loop.start()
    try:
        await console.run()
    finally:
        await loop.stop()
        await services.close()


async def run_bots(
    settings: Settings,
    stop: asyncio.Event | None = None,
    clock: Clock | None = None,
    poll_timeout: int = 30,
    dispatch_every: float | None = 1.0,
    ready: Callable[[Services, Dispatcher], None] | None = None,
) -> None:
    """Run the bot on every platform with a token (Telegram, Discord or both) and the reminder
    dispatcher, until ``stop`` is set (or a signal): one database, one dispatcher.

    ``dispatch_every=None`` leaves waking the dispatcher to the caller (tests tick it by hand).
    On PostgreSQL several instances may run: one is active (polls, holds the Discord connection
    and sends reminders), the others stand by (see ``bot.storage.leader``); in Telegram's webhook
    mode every instance answers the updates it is given, and only the active one sends reminders.
    """
    from bot.reminders.loop import DispatchLoop

    services = await open_services(settings, clock)
    notifiers: dict[str, Notifier] = {}
    limiters: dict[str, SendLimiter] = {}
    limiter = SendLimiter()  # one per token: Telegram's replies and reminders share its budget
    front_ends: list[Callable[[asyncio.Event], Awaitable[None]]] = []
    webhook = None
    closers: list[Callable[[], Awaitable[object]]] = []
    if settings.telegram_token:
        from bot.adapters.telegram import build_application, serve_telegram, webhook_config
        from bot.adapters.telegram_notifier import TelegramNotifier, notifier_bot

        application, adapter = build_application(settings, services.router, limiter, groups=services.groups)
        bot = notifier_bot(settings)
        notifiers["telegram"] = TelegramNotifier(bot)
        webhook = webhook_config(settings)
        await bot.initialize()
        closers.append(bot.shutdown)

        async def telegram(stop: asyncio.Event) -> None:
            await serve_telegram(application, adapter, stop, poll_timeout=poll_timeout, webhook=webhook)

        front_ends.append(telegram)
    if settings.discord_token:
        from bot.adapters.discord import DiscordAdapter, DiscordNotifier, serve_discord

        discord_adapter = DiscordAdapter(services.router, services.groups, settings)
        notifiers["discord"] = DiscordNotifier(discord_adapter.client)
        limiters["discord"] = SendLimiter.unlimited()  # discord.py paces itself by Discord's headers

        async def discord(stop: asyncio.Event) -> None:
            await serve_discord(discord_adapter, settings.discord_token.reveal(), stop)

        front_ends.append(discord)
    dispatcher = services.dispatcher(notifiers, limiter=limiter, limiters=limiters)
    leadership = Leadership(services.engine)
    loop = DispatchLoop(dispatcher, dispatch_every, active=lambda: leadership.is_leader) if dispatch_every else None
    if stop is None:
        stop = asyncio.Event()
        running = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            running.add_signal_handler(sig, stop.set)
    watch = asyncio.ensure_future(_stop_when_lost(leadership, stop))
    try:
        await leadership.start()
        # Polling and Discord's gateway: only the active instance (Telegram answers a second
        # poller with 409, and Discord would deliver every event to each connection).
        if (webhook is None or settings.discord_token) and not await leadership.wait(stop):
            return
        if loop is not None:
            loop.start()
        if ready is not None:
            ready(services, dispatcher)
        try:
            await asyncio.gather(*(run(stop) for run in front_ends))
        finally:
            stop.set()
            if loop is not None:
                await loop.stop()  # before the senders close: sends in flight finish and settle
    finally:
        watch.cancel()
        for close in closers:
            await close()
        await leadership.stop()
        await services.close()


async def _stop_when_lost(leadership: Leadership, stop: asyncio.Event) -> None:
    """An instance that lost the active lock stops (its supervisor restarts it as a standby)."""
    await leadership.lost.wait()
    stop.set()
