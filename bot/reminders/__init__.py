"""Reminders: user settings, the dispatcher that sends due reminders, delivery limits."""
