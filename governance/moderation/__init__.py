"""Moderation and prompt-injection defence: rules, an injection model, toxicity and a hosted endpoint.

Build the chain with ``make_moderator(settings)`` and call ``check(text, surface)`` on user input,
retrieved chunks and model output. Everything runs offline on numpy; the hosted layer is optional.
"""

from governance.moderation.chain import ModerationChain
from governance.moderation.config import ModerationSettings
from governance.moderation.factory import make_moderator
from governance.moderation.hosted import HostedModerationClient
from governance.moderation.injection import InjectionClassifier
from governance.moderation.ngram_model import NgramLogisticModel
from governance.moderation.policy import LayerPolicy
from governance.moderation.protocol import Moderator
from governance.moderation.rules import RulesModerator
from governance.moderation.toxicity import ToxicityClassifier
from governance.moderation.verdict import Action, Category, Surface, Verdict
from governance.moderation.word_model import CalibratedWordModel

__all__ = [
    "Action",
    "CalibratedWordModel",
    "Category",
    "HostedModerationClient",
    "InjectionClassifier",
    "LayerPolicy",
    "ModerationChain",
    "ModerationSettings",
    "Moderator",
    "NgramLogisticModel",
    "RulesModerator",
    "Surface",
    "ToxicityClassifier",
    "Verdict",
    "make_moderator",
]
