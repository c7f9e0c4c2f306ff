"""How reminders look, shared by the dispatcher and the buttons that edit them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.catalogue import Catalogue, Entry, Note
from bot.core.replies import Button, Reply

KIND_TITLES = {"posture": "Posture break", "water": "Water", "stretch": "Stretch break", "daily": "Tip of the day"}
KIND_LABELS = {"posture": "Posture break", "water": "Water", "stretch": "Stretch", "daily": "Daily tip"}
SNOOZE_MINUTES = 10


def reminder_reply(catalogue: Catalogue, kind: str, tip: Entry, delivery_id: int | None,
                   status: str | None = None, once: Sequence[Note] = ()) -> Reply:
    """A reminder message: the tip with its safety notes (and ``once``, notes sent a single
    time), marked as Unknot's."""
    text = catalogue.with_notes(tip.id, tip.body, once)
    if status is not None:
        text = f"{text}\n\n{status}"
    buttons: tuple[tuple[Button, ...], ...] = ()
    if delivery_id is not None and status is None:
        buttons = (
            (Button("✅ Done", f"r:d:{delivery_id}"), Button(f"⏰ Snooze {SNOOZE_MINUTES} min", f"r:s:{delivery_id}")),
            (Button("⏸ Pause for today", f"r:p:{delivery_id}"),),
        )
    return Reply(text=text, title=KIND_TITLES[kind], buttons=buttons)
