"""Unknot: a chat bot that helps people with back pain keep good habits."""

__version__ = "0.1.0"
