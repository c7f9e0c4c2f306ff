"""How reminders look, shared by the dispatcher and the buttons that edit them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.catalogue import Entry, Note, Safety
from bot.core.replies import Button, Reply

KIND_TITLES = {"posture": "Posture break", "water": "Water", "stretch": "Stretch break", "daily": "Tip of the day"}
KIND_LABELS = {"posture": "Posture break", "water": "Water", "stretch": "Stretch", "daily": "Daily tip"}
SNOOZE_MINUTES = 10


def reminder_reply(kind: str, tip: Entry, delivery_id: int | None, status: str | None = None,
                   safety: Safety | None = None, notes: Sequence[Note] = ()) -> Reply:
    """A reminder message. ``notes``: Unknot's safety notes sent with it (marked as Unknot's)."""
    text = tip.body
    if safety is not None and notes:
        text += "\n\n" + safety.marked("\n".join(n.body for n in notes))
    if status is not None:
        text = f"{text}\n\n{status}"
    buttons: tuple[tuple[Button, ...], ...] = ()
    if delivery_id is not None and status is None:
        buttons = (
            (Button("✅ Done", f"r:d:{delivery_id}"), Button(f"⏰ Snooze {SNOOZE_MINUTES} min", f"r:s:{delivery_id}")),
            (Button("⏸ Pause for today", f"r:p:{delivery_id}"),),
        )
    return Reply(text=text, title=KIND_TITLES[kind], buttons=buttons)
