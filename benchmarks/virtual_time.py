"""An asyncio event loop whose clock jumps ahead whenever the loop would otherwise wait.

A working day of reminders (nine hours) runs in a few minutes: ``loop.time()`` advances at the
real rate while the loop works, and when nothing is ready it leaps straight to the next timer
instead of sleeping. Code under test sees only ``loop.time()`` (``asyncio.sleep``, timeouts,
``SendLimiter(monotonic=loop.time)``) and a clock derived from it.

Real I/O still takes real time: a database query in flight must not be overtaken by a jump
(its answer would arrive "seconds" late in virtual time). Callers wrap such awaits in
``loop.hold()``; while any hold is open the loop waits for I/O as a normal loop does and the
clock runs at the real rate. Outside holds, the selector is polled for ``poll`` seconds (1 ms)
and, if nothing arrived, the clock jumps by the rest of the timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import time
from collections.abc import Iterator, Mapping
from typing import Any


class _JumpingSelector(selectors.BaseSelector):
    def __init__(self, inner: selectors.BaseSelector, loop: VirtualTimeLoop, poll: float) -> None:
        self.inner = inner
        self.loop = loop
        self.poll = poll

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self.inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self.inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self.inner.modify(fileobj, events, data)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self.inner.get_map()

    def close(self) -> None:
        self.inner.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if (timeout is not None and timeout <= 0) or self.loop.holds:
            return self.inner.select(timeout)
        started = time.monotonic()
        events = self.inner.select(self.poll if timeout is None else min(timeout, self.poll))
        if events or timeout is None:
            # Nothing scheduled at all: only real I/O can wake the loop, so wait for it.
            return events or self.inner.select(None)
        rest = timeout - (time.monotonic() - started)
        if rest > 0:
            self.loop.jump(rest)
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, poll: float = 0.001) -> None:
        self._offset = 0.0
        self.holds = 0
        self.jumped = 0.0  # virtual seconds gained by jumping
        super().__init__(_JumpingSelector(selectors.DefaultSelector(), self, poll))

    def time(self) -> float:
        return time.monotonic() + self._offset

    def jump(self, seconds: float) -> None:
        self._offset += seconds
        self.jumped += seconds

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """No jumps while real I/O is awaited inside this block."""
        self.holds += 1
        try:
            yield
        finally:
            self.holds -= 1


def hold() -> contextlib.AbstractContextManager[None]:
    """``loop.hold()`` on a virtual-time loop, nothing on any other loop."""
    loop = asyncio.get_running_loop()
    return loop.hold() if isinstance(loop, VirtualTimeLoop) else contextlib.nullcontext()


def run(main: Any, poll: float = 0.001) -> Any:
    """``asyncio.run`` on a fresh virtual-time loop."""
    loop = VirtualTimeLoop(poll)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
