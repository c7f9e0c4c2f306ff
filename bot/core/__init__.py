"""Platform-neutral core: content, answers, reminder rules. Imports no chat platform."""
