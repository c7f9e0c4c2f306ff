"""Wakes the dispatcher every second with an APScheduler job; nothing per user."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.reminders.dispatcher import Dispatcher

log = logging.getLogger(__name__)


class DispatchLoop:
    def __init__(self, dispatcher: Dispatcher, every_seconds: float = 1.0) -> None:
        self.dispatcher = dispatcher
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.every_seconds = every_seconds

    async def _wake(self) -> None:
        try:
            await self.dispatcher.tick()
        except Exception:
            log.exception("dispatcher tick failed; the next one retries")

    def start(self) -> None:
        self.scheduler.add_job(self._wake, IntervalTrigger(seconds=self.every_seconds), id="dispatch",
                               max_instances=3, coalesce=True, misfire_grace_time=None)
        # Extra instances find the dispatcher busy and return at once: no "skipped" warnings.
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop waking the dispatcher and let a batch in flight settle before returning."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.dispatcher.idle()
