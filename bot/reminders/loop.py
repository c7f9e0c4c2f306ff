"""Wakes the dispatcher every second with an APScheduler job; nothing per user."""

from __future__ import annotations

import asyncio
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
        self._ticks: set[asyncio.Future[int]] = set()

    async def _wake(self) -> None:
        # The tick runs in a task of its own, shielded: APScheduler cancels running jobs when it
        # shuts down, and a batch cancelled between sending and settling would be sent again.
        tick = asyncio.ensure_future(self.dispatcher.tick())
        self._ticks.add(tick)
        tick.add_done_callback(self._ticks.discard)
        try:
            await asyncio.shield(tick)
        except asyncio.CancelledError:
            pass  # shutting down: stop() waits for the tick
        except Exception:
            log.exception("dispatcher tick failed; the next one retries")

    def start(self) -> None:
        # Extra instances find the dispatcher busy and return at once: no "skipped" warnings.
        self.scheduler.add_job(self._wake, IntervalTrigger(seconds=self.every_seconds), id="dispatch",
                               max_instances=3, coalesce=True, misfire_grace_time=None)
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop waking the dispatcher and let a batch in flight settle before returning."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._ticks:
            await asyncio.gather(*self._ticks, return_exceptions=True)
        await self.dispatcher.idle()
