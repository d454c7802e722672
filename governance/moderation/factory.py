"""Builds the moderation chain from settings; the composition root calls ``make_moderator`` once."""

from __future__ import annotations

import httpx

from governance.moderation.chain import ModerationChain
from governance.moderation.config import ModerationSettings
from governance.moderation.decoding.english import EnglishScore
from governance.moderation.decoding.standard import standard_decoders
from governance.moderation.hosted import HostedModerationClient
from governance.moderation.injection import InjectionClassifier
from governance.moderation.ngram_model import NgramLogisticModel
from governance.moderation.obfuscation import ObfuscationModerator
from governance.moderation.policy import LayerPolicy
from governance.moderation.protocol import Moderator
from governance.moderation.rules import RulesModerator
from governance.moderation.toxicity import ToxicityClassifier
from governance.moderation.verdict import SURFACES, Action, Surface
from governance.moderation.word_model import CalibratedWordModel


def make_moderator(
    settings: ModerationSettings,
    *,
    injection_model: NgramLogisticModel | None = None,
    toxicity_model: CalibratedWordModel | None = None,
    http_client: httpx.Client | None = None,
) -> ModerationChain:
    """Rules, toxicity, injection, decoding and (if a URL is set) hosted layers, in that order.

    The decoding layer (``ObfuscationModerator``) reveals text hidden in encodings and runs it through the
    toxicity and injection layers; on ``hidden_text_surfaces`` hidden text is flagged whatever it says.

    Toxicity runs before injection so abuse aimed at the assistant ("you are useless, you idiot") is
    reported as toxicity rather than as an injection when both would block it.

    Models default to the ones bundled in ``governance/moderation/data`` (loaded here, about 0.1 s);
    pass them in to share one copy between chains. ``http_client`` is used for the hosted endpoint.
    """
    if not settings.enabled:
        return ModerationChain([])
    actions: dict[Surface, Action] = {
        "input": settings.input_action,
        "output": settings.output_action,
        "chunk": settings.chunk_action,
    }
    layers: list[Moderator] = [
        RulesModerator(
            terms=LayerPolicy.on(SURFACES, settings.term_action),
            topics=LayerPolicy.on(settings.topic_surfaces, actions),
            blocklist=settings.blocklist,
            block_patterns=settings.block_patterns,
            banned_topics=settings.banned_topics,
        )
    ]
    toxicity = LayerPolicy.on(settings.toxicity_surfaces, actions)
    if toxicity.actions:
        model = toxicity_model or CalibratedWordModel.load()
        layers.append(ToxicityClassifier(model, toxicity, threshold=settings.toxicity_threshold))
    injection = LayerPolicy.on(settings.injection_surfaces, actions)
    ngram = injection_model or NgramLogisticModel.load()
    if injection.actions:
        layers.append(
            InjectionClassifier(
                ngram,
                injection,
                threshold=settings.injection_threshold,
                chunk_threshold=settings.chunk_injection_threshold,
            )
        )
    decode = LayerPolicy.on(settings.decode_surfaces, actions)
    hidden = LayerPolicy.on(settings.hidden_text_surfaces, actions)
    if decode.actions or hidden.actions:
        inner = [layer for layer in layers if layer.name in ("toxicity", "injection")]
        layers.append(ObfuscationModerator(standard_decoders(EnglishScore(ngram)), inner, decode, hidden=hidden))
    if settings.hosted_url:
        layers.append(_hosted(settings, actions, http_client))
    return ModerationChain(layers)


def _hosted(
    settings: ModerationSettings, actions: dict[Surface, Action], client: httpx.Client | None
) -> HostedModerationClient:
    assert settings.hosted_url is not None  # noqa: S101 - checked by the caller
    key = settings.hosted_api_key.get_secret_value() if settings.hosted_api_key else None
    return HostedModerationClient(
        settings.hosted_url,
        LayerPolicy.on(settings.hosted_surfaces, actions),
        model=settings.hosted_model,
        api_key=key,
        timeout_s=settings.hosted_timeout_s,
        on_error=settings.hosted_on_error,
        client=client,
    )
