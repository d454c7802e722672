"""Steward's application layer: chat adapters, commands, the governed pipeline, CLI, HTTP and wiring."""
