"""The one governed pipeline every adapter calls: ``IncomingMessage`` in, ``Reply`` out."""

from bot.pipeline.message import IncomingMessage, InvalidMessage, Reply
from bot.pipeline.pipeline import Pipeline

__all__ = ["IncomingMessage", "InvalidMessage", "Pipeline", "Reply"]
