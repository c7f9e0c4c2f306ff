"""Neutral replies: what the core says, before any platform renders it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Button:
    """A choice under a reply. ``payload`` is opaque to adapters and at most 64 bytes."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Menu:
    """A list to pick one from (a select menu where the platform has one). Each option is a
    ``Button``: its label is shown, its payload is what picking it sends."""

    placeholder: str
    options: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """Plain text (never markup) plus optional bold title and rows of buttons.

    ``notice`` is a short toast for button presses (Telegram's answerCallbackQuery text).
    """

    text: str
    title: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    notice: str | None = None
    # Select menus for platforms that have them (Discord); the buttons alone must still do
    # everything, since Telegram and the console show only the buttons.
    menus: tuple[Menu, ...] = ()

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def rows(buttons: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
