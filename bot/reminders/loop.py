"""Wakes the dispatcher every second with an APScheduler job; nothing per user.

An hourly job deletes delivery rows nobody needs any more (``ReminderStore.prune_deliveries``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.reminders.dispatcher import Dispatcher

log = logging.getLogger(__name__)


class DispatchLoop:
    def __init__(self, dispatcher: Dispatcher, every_seconds: float = 1.0, prune_every_seconds: float = 3600.0,
                 active: Callable[[], bool] = lambda: True) -> None:
        self.dispatcher = dispatcher
        self.prune_every_seconds = prune_every_seconds
        self.active = active  # False on a standby instance: it sends nothing until it takes over
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.every_seconds = every_seconds
        self._ticks: set[asyncio.Future[int]] = set()

    async def _wake(self) -> None:
        if not self.active():
            return
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
        self.scheduler.add_job(self._prune, IntervalTrigger(seconds=self.prune_every_seconds), id="prune",
                               coalesce=True, misfire_grace_time=None)
        self.scheduler.start()

    async def _prune(self) -> None:
        if not self.active():
            return
        try:
            removed = await self.dispatcher.store.prune_deliveries(self.dispatcher.clock.now())
            if removed:
                log.info("deleted %d old delivery rows", removed)
        except Exception:
            log.exception("pruning old delivery rows failed; the next run retries")

    async def stop(self, timeout: float = 8.0) -> None:
        """Stop claiming, let the sends in flight finish and settle, give back every lease not
        acted on, and return within ``timeout`` seconds whatever is due."""
        self.dispatcher.stop_claiming()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        try:
            async with asyncio.timeout(timeout):
                if self._ticks:
                    await asyncio.gather(*self._ticks, return_exceptions=True)
                await self.dispatcher.idle()
        except TimeoutError:
            log.warning("sends still in flight after %.0f s; their leases run out and they go again", timeout)
            for tick in self._ticks:
                tick.cancel()
