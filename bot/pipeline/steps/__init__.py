"""Pipeline steps, one class per file, each behind the ``Step`` protocol."""

from bot.pipeline.steps.base import Step

__all__ = ["Step"]
