"""Thin platform adapters: each parses its platform's input and renders core replies."""
