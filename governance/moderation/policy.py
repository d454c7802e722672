"""Which surfaces a layer checks, and the action a flag there triggers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from governance.moderation.verdict import Action, Surface


@dataclass(frozen=True)
class LayerPolicy:
    """A layer's action per surface; a surface that is missing, or maps to ``allow``, is not checked."""

    actions: Mapping[Surface, Action] = field(default_factory=dict)

    @classmethod
    def on(cls, surfaces: Iterable[Surface], action: Action | Mapping[Surface, Action]) -> LayerPolicy:
        """One action (or one per surface) on the given surfaces only."""
        if isinstance(action, Action):
            return cls({surface: action for surface in surfaces})
        return cls({surface: action[surface] for surface in surfaces if surface in action})

    def action_for(self, surface: Surface) -> Action | None:
        """The action a flag on ``surface`` triggers, or ``None`` when the layer skips that surface."""
        action = self.actions.get(surface)
        return None if action in (None, Action.ALLOW) else action
